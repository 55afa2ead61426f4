//! Starting a matrixed pipeline task: one TaskRun per combination, each on
//! its own runtime Controller and thread, all in parallel; a collector
//! thread reports them together once every one ended.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::channel;
use std::sync::Arc;
use std::time::Instant;

use super::launch::{failed, run_task_run, Running, Stopper};
use super::{Msg, PipelineController, Settings, TaskOutcome};
use crate::runtime::controller::Controller;
use crate::status::RunStatus;
use crate::tekton::model::{Matrix, PipelineTask};
use crate::tekton::pipeline::child::{child_named, substituted, task_run_named};
use crate::tekton::pipeline::matrix::{params_of, task_runs};
use crate::tekton::pipeline::status::ChildReference;
use crate::tekton::pipeline::validate;
use crate::tekton::pipeline::{PipelinePlan, Runs};
use crate::tekton::substitute::Vars;

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
        if matches!(runs, Runs::Custom { .. }) {
            return report(vec![failed(
                &task.name,
                "matrix on a custom task is not supported by podsim".into(),
            )]);
        }
        let combos = match task_runs(matrix, vars) {
            Ok(c) => c,
            Err(e) => return report(vec![failed(&task.name, e)]),
        };
        let (inner_tx, inner_rx) = channel();
        let mut cancellers = Vec::new();
        let mut prepared_all = Vec::new();
        let what = format!("{} started ({} TaskRuns, matrix)", task.name, combos.len());
        super::launch::announce(settings.progress, at.start, format_args!("{what}"));
        for (k, combo) in combos.iter().enumerate() {
            let name = format!("{}-{}-{k}", plan.name, task.name);
            let mut one = task.clone();
            one.params = params_of(&task.params, combo);
            one.matrix = None;
            let params = substituted(&one.params, vars);
            children.push(child_named(task, runs, name.clone(), vars, &params));
            if let Some(status) = validate::task_run(task, runs, &name, &params) {
                prepared_all.push((k, Err(Prepare::Invalid(status))));
                continue;
            }
            match task_run_named(
                plan,
                &one,
                runs,
                vars,
                &settings.images,
                &settings.render,
                name,
            ) {
                Ok(p) => {
                    let controller = Controller::new(settings.options.clone());
                    cancellers.push(controller.canceller());
                    prepared_all.push((k, Ok((controller, p))));
                }
                Err(e) => prepared_all.push((k, Err(Prepare::Failed(e)))),
            }
        }
        if let Ok(mut map) = running.lock() {
            map.insert((at.is_finally, at.index), Stopper::Many(cancellers.clone()));
        }
        if stop.load(Ordering::SeqCst) {
            let why = super::cancel::StopCause::Cancelled.task_run();
            cancellers.iter().for_each(|c| c.cancel_with(why));
        }
        let total = prepared_all.len();
        for (k, prepared) in prepared_all {
            let inner_tx = inner_tx.clone();
            let label = format!("{}-{k}", task.name);
            let progress = settings.progress;
            let start = at.start;
            std::thread::spawn(move || {
                let outcome = match prepared {
                    Err(Prepare::Failed(e)) => failed(&label, e),
                    Err(Prepare::Invalid(status)) => invalid(label, status),
                    Ok((controller, prepared)) => {
                        run_task_run(controller, &prepared.plan, label, progress, start)
                    }
                };
                let _ = inner_tx.send((k, outcome));
            });
        }
        drop(inner_tx);
        let (index, is_finally, name) = (at.index, at.is_finally, task.name.clone());
        std::thread::spawn(move || {
            let mut outcomes: Vec<(usize, TaskOutcome)> = inner_rx.iter().take(total).collect();
            outcomes.sort_by_key(|(k, _)| *k);
            let outcomes = outcomes.into_iter().map(|(_, o)| o).collect();
            let _ = tx.send(Msg::Matrix(index, is_finally, name, outcomes));
        });
    }
}

/// Why a combination's TaskRun did not start.
enum Prepare {
    /// podsim could not prepare it (the message says why).
    Failed(String),
    /// Upstream's controller would create it and fail its validation.
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
