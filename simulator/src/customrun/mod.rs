//! CustomRuns (`tekton.dev/v1beta1`): the custom-task contract played from
//! the owner's side.
//!
//! [`run`] takes a CustomRun to its final status: it validates it as Tekton's
//! webhook does ([`validate`]), hands it to the [`registry::Runner`]
//! registered for its `apiVersion`/`kind` (the built-in [`wait::Wait`] task or
//! an [`external::External`] executable) and returns what the runner
//! reported. The caller (`podsim run`, a pipeline controller, the contract
//! checker) drives cancellation and watches status through a
//! [`control::Control`] it shares with the runner, typically from another thread.

pub mod cli;
pub mod control;
pub mod controller;
pub mod external;
pub mod model;
pub mod pipeline;
pub mod registry;
pub mod render;
pub mod tries;
pub mod validate;
pub mod wait;

pub use control::Control;
pub use model::{CustomRun, CustomRunStatus};
pub use registry::Registry;

/// Runs `customrun` to completion and returns its final status.
///
/// An invalid CustomRun ends at once with `Succeeded=False`, reason
/// `CustomRunValidationFailed` and the webhook's message. A CustomRun no
/// runner is registered for stays without status, as on a cluster: `run`
/// blocks until `control` is cancelled and then returns `None`. Otherwise the
/// runner's final status is returned (it has published every intermediate
/// one on `control`); a runner that never wrote one gives `None`.
pub fn run(
    customrun: &CustomRun,
    registry: &Registry,
    control: &Control,
) -> Option<CustomRunStatus> {
    if let Err(invalid) = validate::validate(customrun) {
        let status = CustomRunStatus::failed(model::REASON_VALIDATION_FAILED, &invalid.to_string());
        control.publish(status.clone());
        return Some(status);
    }
    if customrun.is_cancelled() {
        // Created cancelled: the runner sees the request from its first look.
        control.cancel(&customrun.spec.status_message);
    }
    let runner = customrun
        .task_type()
        .and_then(|(api, kind)| registry.find(api, kind));
    match runner {
        Some(runner) => runner.execute(customrun, control),
        None => {
            while control
                .wait_cancelled(std::time::Duration::from_secs(3600))
                .is_none()
            {}
            None
        }
    }
}
