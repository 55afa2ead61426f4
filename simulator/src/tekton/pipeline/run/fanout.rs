//! Starting a matrixed pipeline task: one TaskRun (each on its own runtime
//! Controller) or CustomRun per combination, each on its own thread, all in
//! parallel; a collector thread reports them together once every one ended.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::channel;
use std::sync::Arc;
use std::time::Instant;

use super::cancel::StopCause;
use super::custom;
use super::launch::{failed, run_task_run, Running, Stopper};
use super::{Msg, PipelineController, Settings, TaskOutcome};
use crate::runtime::controller::Controller;
use crate::status::RunStatus;
use crate::tekton::model::{Matrix, PipelineTask};
use crate::tekton::pipeline::child::{child_named, substituted, task_run_named};
use crate::tekton::pipeline::custom::{CancelRequest, CustomRunRequest};
use crate::tekton::pipeline::matrix::{params_of, task_runs};
use crate::tekton::pipeline::status::ChildReference;
use crate::tekton::pipeline::validate;
use crate::tekton::pipeline::{PipelinePlan, Runs};
use crate::tekton::substitute::Vars;
use crate::tekton::taskrun::Prepared;

/// Where a launched task sits in the pipeline controller.
pub(super) struct At {
    pub is_finally: bool,
    pub index: usize,
    pub start: Instant,
}

impl PipelineController {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn fan_out(
        &self,
        plan: &PipelinePlan,
        settings: &Settings,
        at: At,
        task: &PipelineTask,
        runs: &Runs,
        matrix: &Matrix,
        vars: &Vars,
        running: &Running,
        stop: &Arc<AtomicBool>,
        children: &mut Vec<ChildReference>,
    ) {
        let tx = self.tx.clone();
        let report = |outcomes: Vec<TaskOutcome>| {
            let _ = tx.send(Msg::Matrix(
                at.index,
                at.is_finally,
                task.name.clone(),
                outcomes,
            ));
        };
        let combos = match task_runs(matrix, vars) {
            Ok(c) => c,
            Err(e) => return report(vec![failed(&task.name, e)]),
        };
        let custom = matches!(runs, Runs::Custom { .. });
        let (inner_tx, inner_rx) = channel();
        let mut stoppers = Vec::new();
        let mut all = Vec::new();
        let kind = if custom { "CustomRuns" } else { "TaskRuns" };
        let what = format!("{} started ({} {kind}, matrix)", task.name, combos.len());
        super::launch::announce(settings.progress, at.start, format_args!("{what}"));
        for (k, combo) in combos.iter().enumerate() {
            let name = format!("{}-{}-{k}", plan.name, task.name);
            let mut one = task.clone();
            one.params = params_of(&task.params, combo);
            one.matrix = None;
            let params = substituted(&one.params, vars);
            children.push(child_named(task, runs, name.clone(), vars, &params));
            let timeout = task.timeout.clone();
            if let Some(request) =
                custom::request(runs, name.clone(), params.clone(), task.retries, timeout)
            {
                let cancel = Arc::new(CancelRequest::default());
                stoppers.push(Stopper::Custom(cancel.clone()));
                all.push((k, Child::Custom(request, cancel)));
            } else if let Some(status) = validate::task_run(task, runs, &name, &params) {
                all.push((k, Child::Invalid(status)));
            } else {
                let images = &settings.images;
                match task_run_named(plan, &one, runs, vars, images, &settings.render, name) {
                    Ok(p) => {
                        let controller = Controller::new(settings.options.clone());
                        stoppers.push(Stopper::TaskRun(controller.canceller()));
                        all.push((k, Child::TaskRun(controller, Box::new(p))));
                    }
                    Err(e) => all.push((k, Child::Failed(e))),
                }
            }
        }
        let stopper = Stopper::Many(stoppers);
        if let Ok(mut map) = running.lock() {
            map.insert((at.is_finally, at.index), stopper.clone());
        }
        if stop.load(Ordering::SeqCst) {
            stopper.stop(StopCause::Cancelled);
        }
        let total = all.len();
        for (k, child) in all {
            let inner_tx = inner_tx.clone();
            let label = format!("{}-{k}", task.name);
            let progress = settings.progress;
            let start = at.start;
            let send = move |outcome| {
                let _ = inner_tx.send((k, outcome));
            };
            match child {
                Child::Custom(request, cancel) => {
                    custom::start(settings, request, cancel, label, start, send);
                }
                Child::TaskRun(controller, prepared) => {
                    std::thread::spawn(move || {
                        send(run_task_run(
                            controller,
                            &prepared.plan,
                            label,
                            progress,
                            start,
                        ))
                    });
                }
                Child::Failed(e) => send(failed(&label, e)),
                Child::Invalid(status) => send(invalid(label, status)),
            }
        }
        drop(inner_tx);
        let (index, is_finally, name) = (at.index, at.is_finally, task.name.clone());
        std::thread::spawn(move || {
            let mut outcomes: Vec<(usize, TaskOutcome)> = inner_rx.iter().take(total).collect();
            outcomes.sort_by_key(|(k, _)| *k);
            // Upstream gives the tasks after a matrixed custom task no
            // results of its CustomRuns (only a single CustomRun's).
            if custom {
                outcomes.iter_mut().for_each(|(_, o)| o.results.clear());
            }
            let outcomes = outcomes.into_iter().map(|(_, o)| o).collect();
            let _ = tx.send(Msg::Matrix(index, is_finally, name, outcomes));
        });
    }
}

/// What one combination of a matrixed task becomes.
enum Child {
    /// A TaskRun, prepared, with the runtime controller that runs it.
    TaskRun(Controller, Box<Prepared>),
    /// A CustomRun, and what cancels it.
    Custom(CustomRunRequest, Arc<CancelRequest>),
    /// A TaskRun podsim could not prepare (the message says why).
    Failed(String),
    /// A TaskRun upstream's controller would create and fail validating.
    Invalid(RunStatus),
}

/// The outcome of a TaskRun that failed upstream's validation.
fn invalid(label: String, status: RunStatus) -> TaskOutcome {
    let message = status.conditions.first().map(|c| c.message.clone());
    let mut outcome = failed(&label, message.unwrap_or_default());
    outcome.status = Some(status);
    outcome
}

/// One outcome for a matrixed task: succeeded when every TaskRun did,
/// results aggregated into arrays.
pub(super) fn matrix_outcome(task: String, runs: &[TaskOutcome]) -> TaskOutcome {
    let per_run: Vec<_> = runs.iter().map(|r| r.results.clone()).collect();
    TaskOutcome {
        task,
        status: None,
        succeeded: runs.iter().all(|r| r.succeeded),
        cancelled: runs.iter().any(|r| r.cancelled),
        error: None,
        results: crate::tekton::pipeline::matrix::aggregate(&per_run),
        logs: Vec::new(),
        matrix: true,
    }
}
