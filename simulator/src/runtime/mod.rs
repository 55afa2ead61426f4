//! The Pod runtime: plays kubelet and the TaskRun controller's Pod-side duties
//! for one [`RunPlan`](crate::plan::RunPlan) at a time.
//!
//! This room is the boundary every front end (scenarios, plain Pods, the
//! Tekton layer) hands its work to: a rendered Pod plus the controller's
//! knobs in, a [`controller::RunReport`] out. It knows nothing of where the
//! Pod came from.
//!
//! - [`controller`]: attempts, timeouts, retries, cancellation, the observer;
//! - `attempt`: one attempt of the Pod (init containers, sidecars, steps);
//! - [`podfs`]: the Pod directory, its volumes and each container's view;
//! - [`process`], [`spawn`]: starting and reaping container processes;
//! - [`probe`]: sidecar readiness checks.

mod attempt;
pub mod controller;
pub mod podfs;
pub mod probe;
pub mod process;
pub mod spawn;
