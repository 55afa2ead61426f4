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
//! - [`isolation`], [`sandbox`]: namespace mode (each container in its own
//!   mount namespace) or path mode;
//! - [`process`], [`spawn`]: starting and reaping container processes;
//! - [`probe`]: sidecar readiness checks;
//! - [`waits`]: the wait/post graph through each container's mounts (hang
//!   diagnosis, `podsim lint`).

mod attempt;
pub mod controller;
pub mod isolation;
pub mod podfs;
pub mod probe;
pub mod process;
pub mod sandbox;
pub mod spawn;
pub mod waits;
