//! Starting one pipeline task: a TaskRun on its own runtime Controller in
//! its own thread, or a custom task through the [`crate::tekton::pipeline::custom::CustomTasks`] seam; either
//! reports its end on the pipeline controller's channel.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::cancel::StopCause;
use super::{Msg, PipelineController, Settings, TaskOutcome};
use crate::plan::RunPlan;
use crate::runtime::controller::{Canceller, Controller, Observer, State};
use crate::tekton::model::PipelineTask;
use crate::tekton::pipeline::child::{child, substituted, task_run_for};
use crate::tekton::pipeline::custom::CancelRequest;
use crate::tekton::pipeline::status::{ChildReference, SkippedTask};
use crate::tekton::pipeline::{PipelinePlan, Runs};
use crate::tekton::substitute::Vars;

/// How the pipeline controller stops one running task.
#[derive(Clone)]
pub(super) enum Stopper {
    /// A TaskRun: its runtime controller's canceller.
    TaskRun(Canceller),
    /// A CustomRun: `spec.status: RunCancelled` with a statusMessage.
    Custom(Arc<CancelRequest>),
    /// The TaskRuns or CustomRuns of a matrixed task.
    Many(Vec<Stopper>),
}

impl Stopper {
    /// Cancels the task with the statusMessage of `cause`.
    pub(super) fn stop(&self, cause: StopCause) {
        match self {
            Stopper::TaskRun(c) => c.cancel_with(cause.task_run()),
            Stopper::Custom(c) => c.cancel(cause.custom_run()),
            Stopper::Many(all) => all.iter().for_each(|s| s.stop(cause)),
        }
    }
}

/// The tasks running, by (is finally, index).
pub(super) type Running = Arc<Mutex<BTreeMap<(bool, usize), Stopper>>>;

impl PipelineController {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn launch(
        &self,
        plan: &PipelinePlan,
        settings: &Settings,
        is_finally: bool,
        index: usize,
        task: &PipelineTask,
        runs: &Runs,
        vars: &Vars,
        running: &Running,
        stop: &Arc<AtomicBool>,
        start: Instant,
        children: &mut Vec<ChildReference>,
    ) {
        if let Some(matrix) = &task.matrix {
            let at = super::fanout::At {
                is_finally,
                index,
                start,
            };
            return self.fan_out(
                plan, settings, at, task, runs, matrix, vars, running, stop, children,
            );
        }
        children.push(child(plan, task, runs, vars));
        let tx = self.tx.clone();
        let name = format!("{}-{}", plan.name, task.name);
        if matches!(runs, Runs::Task(..)) {
            announce(
                settings.progress,
                start,
                format_args!("{} started (TaskRun {name})", task.name),
            );
        }
        let fail = |error: String| failed(&task.name, error);
        let params = substituted(&task.params, vars);
        let timeout = task.timeout.clone();
        if let Some(request) = super::custom::request(runs, name, params, task.retries, timeout) {
            let cancel = Arc::new(CancelRequest::default());
            if let Ok(mut map) = running.lock() {
                map.insert((is_finally, index), Stopper::Custom(cancel.clone()));
            }
            if stop.load(Ordering::SeqCst) {
                cancel.cancel(StopCause::Cancelled.custom_run());
            }
            let label = task.name.clone();
            super::custom::start(settings, request, cancel, label, start, move |outcome| {
                let _ = tx.send(Msg::Done(index, is_finally, Box::new(outcome)));
            });
            return;
        }
        let prepared =
            match task_run_for(plan, task, runs, vars, &settings.images, &settings.render) {
                Ok(p) => p,
                Err(e) => {
                    let _ = tx.send(Msg::Done(index, is_finally, Box::new(fail(e))));
                    return;
                }
            };
        let controller = Controller::new(settings.options.clone());
        if let Ok(mut map) = running.lock() {
            map.insert(
                (is_finally, index),
                Stopper::TaskRun(controller.canceller()),
            );
        }
        if stop.load(Ordering::SeqCst) {
            controller
                .canceller()
                .cancel_with(StopCause::Cancelled.task_run());
        }
        let progress = settings.progress;
        let task_label = task.name.clone();
        std::thread::spawn(move || {
            let outcome = run_task_run(controller, &prepared.plan, task_label, progress, start);
            let _ = tx.send(Msg::Done(index, is_finally, Box::new(outcome)));
        });
    }
}

/// The outcome of a pipeline task that never ran: `error` says why.
pub(super) fn failed(task: &str, error: String) -> TaskOutcome {
    TaskOutcome {
        task: task.to_string(),
        status: None,
        succeeded: false,
        cancelled: false,
        error: Some(error),
        results: Vec::new(),
        logs: Vec::new(),
        matrix: false,
    }
}

/// Runs one prepared TaskRun to its end on the calling thread, shown in the
/// live view as `label` when `progress`, and turns its report into the
/// outcome the pipeline controller judges; a runtime error is a failed
/// outcome carrying the error.
pub(super) fn run_task_run(
    mut controller: Controller,
    plan: &RunPlan,
    label: String,
    progress: bool,
    start: Instant,
) -> TaskOutcome {
    let mut observer: Box<dyn Observer> = if progress {
        Box::new(Progress {
            prefix: label.clone(),
            start,
        })
    } else {
        Box::new(crate::runtime::controller::Silent)
    };
    match controller.run(plan, observer.as_mut()) {
        Ok(report) => TaskOutcome {
            task: label,
            succeeded: report.status.succeeded(),
            cancelled: report.status.reason() == "TaskRunCancelled",
            error: None,
            results: report.status.results.clone(),
            status: Some(report.status),
            logs: report.logs,
            matrix: false,
        },
        Err(e) => failed(&label, e.to_string()),
    }
}

/// Prints each container's state changes on stderr, `+SECONDS TASKRUN/CONTAINER STATE`.
pub(super) struct Progress {
    pub(super) prefix: String,
    pub(super) start: Instant,
}

impl Observer for Progress {
    fn state(&mut self, container: &str, state: &State) {
        let at = self.start.elapsed().as_secs_f64();
        let what = match state {
            State::Waiting => "waiting".to_string(),
            State::Running => "running".to_string(),
            State::Ready => "ready".to_string(),
            State::Stopping => "stopping".to_string(),
            State::Ended { reason, exit_code } => format!("{reason} (exit {exit_code})"),
        };
        eprintln!("+{at:.3}s {}/{container} {what}", self.prefix);
    }
}

/// One task-level line of the live view on stderr when `progress`,
/// `+SECONDS WHAT`, beside the container lines of [`Progress`].
pub(super) fn announce(progress: bool, start: Instant, what: std::fmt::Arguments) {
    if progress {
        eprintln!("+{:.3}s {what}", start.elapsed().as_secs_f64());
    }
}

/// Announces the tasks skipped since the last call (`announced` of them
/// were shown before), with why.
pub(super) fn announce_skips(
    settings: &Settings,
    start: Instant,
    skipped: &[SkippedTask],
    announced: &mut usize,
) {
    for s in skipped.iter().skip(*announced) {
        announce(
            settings.progress,
            start,
            format_args!("{} skipped: {}", s.name, s.reason),
        );
    }
    *announced = skipped.len();
}
