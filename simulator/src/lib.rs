//! Pod semantics without a cluster.
//!
//! A scenario (Task-shaped YAML, [`scenario`]) is validated ([`validate`]) and
//! rendered into the Pod Tekton's controller would build ([`render`]). The Pod
//! then runs as local processes ([`runtime`]: the controller and kubelet
//! side) on a temporary Pod filesystem, and the outcome is reported in the shape of a TaskRun status
//! ([`status`]).

pub mod customrun;
pub mod duration;
pub mod glob;
pub mod images;
pub mod input;
pub mod lint;
pub mod locate;
pub mod plan;
pub mod render;
pub mod runtime;
pub mod scenario;
pub mod script;
pub mod signals;
pub mod status;
pub mod tekton;
pub mod termination;
pub mod validate;
pub mod view;
