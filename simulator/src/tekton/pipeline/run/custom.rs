//! Starting one CustomRun of a pipeline task (or of one matrix
//! combination) through the [`CustomTasks`](crate::tekton::pipeline::custom::CustomTasks)
//! seam, on its own thread.

use std::sync::Arc;
use std::time::Instant;

use super::launch::announce;
use super::{Settings, TaskOutcome};
use crate::tekton::model::Param;
use crate::tekton::pipeline::custom::{CancelRequest, CustomRunRequest};
use crate::tekton::pipeline::Runs;

/// The CustomRun named `name` that `runs` (a custom task) becomes with
/// `params` (substituted) for a pipeline task with `retries` and `timeout`;
/// `None` for a Tekton Task.
pub(super) fn request(
    runs: &Runs,
    name: String,
    params: Vec<Param>,
    retries: u32,
    timeout: Option<String>,
) -> Option<CustomRunRequest> {
    let Runs::Custom {
        api_version,
        kind,
        reference,
        spec,
    } = runs
    else {
        return None;
    };
    Some(CustomRunRequest {
        name,
        api_version: api_version.clone(),
        kind: kind.clone(),
        reference: reference.clone(),
        spec: spec.clone(),
        params,
        retries,
        timeout,
    })
}

/// Runs `request` on a thread of its own, shown in the live view as
/// `label` (`<task>/customrun NAME started`, then its reason), and hands
/// its outcome to `done`. `cancel` is what the pipeline controller
/// requests cancellation through.
pub(super) fn start(
    settings: &Settings,
    request: CustomRunRequest,
    cancel: Arc<CancelRequest>,
    label: String,
    start: Instant,
    done: impl FnOnce(TaskOutcome) + Send + 'static,
) {
    let custom = settings.custom.clone();
    let progress = settings.progress;
    let started = format_args!("{label}/customrun {} started", request.name);
    announce(progress, start, started);
    std::thread::spawn(move || {
        let result = custom.run(&request, cancel);
        let how = match &result {
            Ok(o) => o.reason.as_str(),
            Err(_) => "not run",
        };
        announce(progress, start, format_args!("{label}/customrun {how}"));
        done(match result {
            Ok(o) => TaskOutcome {
                task: label,
                status: None,
                succeeded: o.succeeded,
                cancelled: o.reason.contains("Cancel"),
                error: (!o.succeeded).then_some(o.message),
                results: o.results,
                logs: Vec::new(),
                matrix: false,
            },
            Err(e) => super::launch::failed(&label, e),
        });
    });
}
