//! Turning what a runtime reports about a Pod's containers into the
//! TaskRun-shaped status, with the simulator's rules (the same rules Tekton's
//! controller applies: reasons from the termination message first).

use std::time::SystemTime;

use simulator::plan::RunPlan;
use simulator::runtime::process::Exit;
use simulator::status::{self, Ending, RunStatus, SidecarState, StepState, Terminated};
use simulator::termination::{self, Entry, EntryKind};

/// What a runtime reports about one step container.
#[derive(Debug, Clone, Default)]
pub struct StepFacts {
    /// How it ended; `None` while it never terminated.
    pub exit: Option<Exit>,
    /// Its termination message (raw text, possibly `tknz:` compressed).
    pub message: String,
}

/// What a runtime reports about one sidecar.
#[derive(Debug, Clone, Default)]
pub struct SidecarFacts {
    /// Whether the harness saw it ready.
    pub ready: bool,
    /// How it ended, if it did.
    pub exit: Option<Exit>,
}

/// An [`Exit`] from an exit code and an end time: codes 129-192 count as
/// killed by signal `code - 128`, which is how runtimes report it.
pub fn exit_from_code(code: i32, at: SystemTime) -> Exit {
    let signal = (129..=192).contains(&code).then_some(code - 128);
    Exit { code, signal, at }
}

/// The status of one attempt of `plan`, given per-step and per-sidecar facts
/// in plan order and how the controller ended it (`None`: by itself).
/// Unreadable termination messages count as empty.
pub fn status(
    plan: &RunPlan,
    pod_name: &str,
    steps: &[StepFacts],
    sidecars: &[SidecarFacts],
    ending: Option<Ending>,
) -> RunStatus {
    let stopped = ending.is_some();
    let mut all_entries: Vec<Entry> = Vec::new();
    let step_states: Vec<StepState> = plan
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let facts = steps.get(i).cloned().unwrap_or_default();
            let entries = termination::parse(&facts.message).unwrap_or_default();
            all_entries.extend_from_slice(&entries);
            StepState {
                name: step.name.clone(),
                container: step.container.clone(),
                terminated: facts
                    .exit
                    .as_ref()
                    .map(|exit| status::step_terminated(exit, &entries, stopped)),
                results: status::results(&entries, EntryKind::StepResult, &step.results, false),
            }
        })
        .collect();
    let sidecar_states = plan
        .sidecars
        .iter()
        .enumerate()
        .map(|(i, sidecar)| {
            let facts = sidecars.get(i).cloned().unwrap_or_default();
            SidecarState {
                name: sidecar.name.clone(),
                container: sidecar.container.clone(),
                ready: facts.ready,
                terminated: facts.exit.map(|exit| Terminated {
                    exit_code: exit.code,
                    reason: if exit.code == 0 { "Completed" } else { "Error" }.to_string(),
                    started_at: None,
                    finished_at: Some(status::timestamp(exit.at)),
                }),
            }
        })
        .collect();
    let ending = ending.unwrap_or(Ending::Finished);
    let now = SystemTime::now();
    RunStatus {
        conditions: vec![status::condition(&plan.name, &ending, &step_states, now)],
        pod_name: pod_name.to_string(),
        start_time: None,
        completion_time: Some(status::timestamp(now)),
        results: status::results(
            &all_entries,
            EntryKind::TaskResult,
            &plan.results,
            !plan.results.is_empty(),
        ),
        steps: step_states,
        sidecars: sidecar_states,
        retries_status: Vec::new(),
    }
}
