//! The status and logs of a finished attempt.

use std::fs;
use std::time::SystemTime;

use k8s_openapi::api::core::v1::Container;

use super::tracker::Tracker;
use crate::plan::RunPlan;
use crate::runtime::controller::ContainerLog;
use crate::runtime::podfs::PodFs;
use crate::status::{self, Ending, RunStatus, SidecarState, StepState, Terminated};
use crate::termination::{Entry, EntryKind};

/// The TaskRun-shaped status of an attempt that ran from `start` to `end`.
pub(super) fn status(
    plan: &RunPlan,
    tracker: &Tracker<'_>,
    start: SystemTime,
    end: SystemTime,
) -> RunStatus {
    let stopped = tracker.ending.is_some();
    let mut all_entries: Vec<Entry> = Vec::new();
    let steps: Vec<StepState> = plan
        .steps
        .iter()
        .zip(&tracker.step_containers)
        .map(|(step, k)| {
            let entries = k.map(|k| tracker.entries[k].as_slice()).unwrap_or_default();
            all_entries.extend_from_slice(entries);
            StepState {
                name: step.name.clone(),
                container: step.container.clone(),
                terminated: k
                    .and_then(|k| tracker.exits[k].as_ref())
                    .map(|exit| status::step_terminated(exit, entries, stopped)),
                results: status::results(entries, EntryKind::StepResult, &step.results, false),
            }
        })
        .collect();
    let sidecars = plan
        .sidecars
        .iter()
        .zip(&tracker.sidecar_containers)
        .zip(&tracker.ready)
        .map(|((sidecar, k), ready)| SidecarState {
            name: sidecar.name.clone(),
            container: sidecar.container.clone(),
            ready: *ready,
            terminated: k.and_then(|k| {
                let (exit_code, reason) = tracker.container_exit(k)?;
                Some(Terminated {
                    exit_code,
                    reason: reason.to_string(),
                    started_at: None,
                    finished_at: tracker.exits[k].map(|e| status::timestamp(e.at)),
                })
            }),
        })
        .collect();
    let ending = tracker.ending.clone().unwrap_or(Ending::Finished);
    RunStatus {
        conditions: vec![status::condition(&plan.name, &ending, &steps, end)],
        pod_name: plan.pod.metadata.name.clone().unwrap_or_default(),
        start_time: Some(status::timestamp(start)),
        completion_time: Some(status::timestamp(end)),
        results: status::results(
            &all_entries,
            EntryKind::TaskResult,
            &plan.results,
            !plan.results.is_empty(),
        ),
        steps,
        sidecars,
        retries_status: Vec::new(),
    }
}

/// Output of every container of attempt `attempt`, init containers first.
pub(super) fn logs(
    attempt: u32,
    podfs: &PodFs,
    inits: &[Container],
    containers: &[Container],
) -> Vec<ContainerLog> {
    inits
        .iter()
        .chain(containers)
        .map(|c| ContainerLog {
            attempt,
            container: c.name.clone(),
            text: fs::read(podfs.root().join("containers").join(&c.name).join("log"))
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default(),
        })
        .collect()
}
