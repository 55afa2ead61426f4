//! Pod semantics without a cluster.
//!
//! A scenario (Task-shaped YAML, [`scenario`]) is validated ([`validate`]) and
//! rendered into the Pod Tekton's controller would build ([`render`]). The Pod
//! then runs as local processes ([`controller`]) on a temporary Pod filesystem
//! ([`podfs`]), and the outcome is reported in the shape of a TaskRun status
//! ([`status`]).

mod attempt;
pub mod controller;
pub mod duration;
pub mod input;
pub mod locate;
pub mod plan;
pub mod podfs;
pub mod probe;
pub mod process;
pub mod render;
pub mod scenario;
pub mod script;
pub mod spawn;
pub mod status;
pub mod termination;
pub mod validate;
pub mod view;
