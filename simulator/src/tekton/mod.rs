//! Tekton's resources on the local runtime: the path resources ->
//! substitution -> TaskRun Pods -> runtime -> status, one room each.
//!
//! - [`model`]: serde types of Task and TaskRun (`tekton.dev/v1`, `v1beta1`).
//! - [`resolve`]: documents from files and `-f DIR`, `taskRef`, the run object.
//! - [`substitute`]: `$(params.*)`, `$(context.*)`, `$(workspaces.*)`...
//! - [`taskrun`]: one TaskRun -> a [`crate::plan::RunPlan`] through [`crate::render`].
//! - [`pod`]: the TaskRun's labels, owner and namespace on its Pod.
//! - [`status`]: `TaskRunStatus` in Tekton's v1 shape.
//! - [`image`]: the command of an image-only step.
//! - [`check`]: upstream fields podsim does not run, named in errors.
//! - [`features`]: the feature-flags ConfigMap and `--feature-flag`.

pub mod admission;
pub mod check;
pub mod cli;
pub mod definition;
pub mod features;
pub mod image;
pub mod model;
pub mod pipeline;
pub mod pod;
pub mod resolve;
pub mod status;
pub mod substitute;
pub mod taskrun;
pub mod variables;
pub mod versions;
pub mod workspace;
