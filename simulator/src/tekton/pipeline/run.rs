//! The pipeline controller: starts each task once its dependencies ended,
//! each TaskRun on its own [`Controller`] in its own thread, evaluates
//! `when`, stops scheduling after a failure, runs `finally`, and handles
//! timeouts and cancellation.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use super::child::skip;
use super::custom::CustomTasks;
use super::status::{ChildReference, PipelineRunStatus, SkippedTask};
use super::summary::{Ended, Ending};
use super::vars::{finally_vars, guard, missing_results, Guard};

mod cancel;
mod custom;
mod fanout;
mod launch;
mod schedule;
use super::PipelinePlan;
use crate::render::RenderOptions;
use crate::runtime::controller::{ContainerLog, RunOptions};
use crate::status::{ResultValue, RunStatus};
use crate::tekton::image::ImageCommands;
use cancel::{cancel_all, StopCause};
pub use cancel::{CancelMode, PipelineCanceller};

/// How the pipeline's TaskRuns run.
pub struct Settings {
    /// Runtime options of every TaskRun.
    pub options: RunOptions,
    /// Images of the rendered Pods.
    pub render: RenderOptions,
    /// Commands of image-only steps.
    pub images: ImageCommands,
    /// Print container progress on stderr.
    pub progress: bool,
    /// Runner of custom tasks.
    pub custom: Arc<dyn CustomTasks>,
}

/// The end of one pipeline task.
#[derive(Debug, Clone)]
pub struct TaskOutcome {
    /// The pipeline task.
    pub task: String,
    /// The TaskRun's status (absent for custom tasks and setup errors).
    pub status: Option<RunStatus>,
    /// Whether it succeeded.
    pub succeeded: bool,
    /// Whether it was cancelled.
    pub cancelled: bool,
    /// Why it failed without running, if it did.
    pub error: Option<String>,
    /// Its results.
    pub results: Vec<ResultValue>,
    /// Container output.
    pub logs: Vec<ContainerLog>,
    /// The aggregate of a matrixed task's TaskRuns (not itself a run).
    pub matrix: bool,
}

/// The end of a PipelineRun.
#[derive(Debug)]
pub struct Outcome {
    /// The status.
    pub status: PipelineRunStatus,
    /// Every task that ran, in the order they ended.
    pub tasks: Vec<TaskOutcome>,
}

enum Msg {
    Done(usize, bool, Box<TaskOutcome>),
    /// The TaskRuns of a matrixed task, in combination order.
    Matrix(usize, bool, String, Vec<TaskOutcome>),
    Cancel(CancelMode),
}

/// Runs one PipelineRun; the channel's sender lives in [`PipelineCanceller`]s.
pub struct PipelineController {
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
}

impl Default for PipelineController {
    fn default() -> Self {
        let (tx, rx) = channel();
        Self { tx, rx }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Phase {
    Pending,
    Running,
    Succeeded,
    Failed,
    /// Failed with `onError: continue`: the DAG goes on.
    FailureIgnored,
    Cancelled,
    Skipped,
}

impl PipelineController {
    /// A handle that cancels the run.
    pub fn canceller(&self) -> PipelineCanceller {
        PipelineCanceller(self.tx.clone())
    }

    /// Runs `plan` to the end. Every TaskRun started has ended when this
    /// returns. A task that cannot be prepared (a result it needs is
    /// missing, a param of the wrong type) fails with the reason in the
    /// status message; a PipelineRun whose pipeline tasks' params do not fit
    /// their Tasks fails before anything runs, as upstream's does.
    pub fn run(&self, plan: &PipelinePlan, settings: &Settings) -> Outcome {
        if let Some((reason, message)) = super::validate::pipeline_run(plan) {
            let status = super::summary::invalid(plan, reason, message);
            return Outcome {
                status,
                tasks: Vec::new(),
            };
        }
        let started_at = SystemTime::now();
        let start = Instant::now();
        let mut deadline = plan.timeout.map(|t| start + t);
        let mut tasks_deadline = plan.tasks_timeout.map(|t| start + t);
        let mut whole_timed_out = false;
        let running: launch::Running = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let mut phases = vec![Phase::Pending; plan.spec.tasks.len()];
        let mut finally_phases = vec![Phase::Pending; plan.spec.finally.len()];
        let mut skipped: Vec<SkippedTask> = Vec::new();
        let mut children: Vec<ChildReference> = Vec::new();
        let mut ended: Vec<TaskOutcome> = Vec::new();
        let mut results: BTreeMap<String, Vec<ResultValue>> = BTreeMap::new();
        let mut stopping = false;
        let mut cancelled = false;
        let mut graceful: Option<CancelMode> = None;
        let mut timed_out = false;
        let mut in_finally = false;
        let mut finally_deadline = None;
        let mut aborted: Option<String> = None;
        // Tasks a timeout cancelled: upstream counts them as failed.
        let mut stopped_for_timeout: BTreeSet<(bool, usize)> = BTreeSet::new();
        // A cancel or pipeline timeout ends the run at once upstream: no later skips.
        let mut frozen_skips: Option<usize> = None;
        let mut announced = 0;
        loop {
            if !in_finally && !stopping {
                aborted = self.schedule(
                    plan,
                    settings,
                    &mut phases,
                    &mut skipped,
                    &mut children,
                    &results,
                    &running,
                    &stop,
                    start,
                );
                if aborted.is_some() {
                    // Upstream marks the run failed at once and starts nothing more.
                    stopping = true;
                    stop.store(true, Ordering::SeqCst);
                    cancel_all(&running, StopCause::Cancelled);
                }
            }
            let dag_busy = phases.contains(&Phase::Running);
            // Upstream's "stopping" (a DAG task failed or was cancelled)
            // outranks a graceful cancel or stop as the skip reason.
            let dag_stopped = phases
                .iter()
                .any(|p| matches!(p, Phase::Failed | Phase::Cancelled));
            if !in_finally && !dag_busy {
                for (i, phase) in phases.iter_mut().enumerate() {
                    if *phase == Phase::Pending {
                        *phase = Phase::Skipped;
                        if aborted.is_some() {
                            continue;
                        }
                        // Upstream's order: stopping, graceful, then the timeouts.
                        let reason = if whole_timed_out {
                            "PipelineRun timeout has been reached"
                        } else if cancelled {
                            "PipelineRun was cancelled"
                        } else if dag_stopped {
                            "PipelineRun was stopping"
                        } else if let Some(mode) = graceful {
                            mode.skip_reason()
                        } else if timed_out {
                            "PipelineRun Tasks timeout has been reached"
                        } else {
                            "PipelineRun was stopping"
                        };
                        skipped.push(skip(&plan.spec.tasks[i], reason, Vec::new()));
                    }
                }
                in_finally = true;
                if aborted.is_some() {
                    finally_phases.fill(Phase::Skipped);
                } else if !cancelled && !whole_timed_out {
                    finally_deadline = plan.finally_timeout.map(|t| Instant::now() + t);
                    let vars = finally_vars(plan, &phases, &results);
                    for (i, task) in plan.spec.finally.iter().enumerate() {
                        let missing = missing_results(task, &vars);
                        if let Some(reason) = missing {
                            finally_phases[i] = Phase::Skipped;
                            skipped.push(skip(task, reason, Vec::new()));
                            continue;
                        }
                        match guard(&task.name, &task.when, &vars) {
                            Guard::CelFailed(why) => {
                                aborted = Some(why);
                                stop.store(true, Ordering::SeqCst);
                                cancel_all(&running, StopCause::Cancelled);
                                break;
                            }
                            Guard::Skip(whens) => {
                                finally_phases[i] = Phase::Skipped;
                                skipped.push(skip(
                                    task,
                                    "When Expressions evaluated to false",
                                    whens,
                                ));
                            }
                            Guard::Run => {
                                finally_phases[i] = Phase::Running;
                                self.launch(
                                    plan,
                                    settings,
                                    true,
                                    i,
                                    task,
                                    &plan.finally[i],
                                    &vars,
                                    &running,
                                    &stop,
                                    start,
                                    &mut children,
                                );
                            }
                        }
                    }
                } else {
                    for (i, task) in plan.spec.finally.iter().enumerate() {
                        finally_phases[i] = Phase::Skipped;
                        let reason = if cancelled {
                            "PipelineRun was cancelled"
                        } else {
                            "PipelineRun timeout has been reached"
                        };
                        skipped.push(skip(task, reason, Vec::new()));
                    }
                }
            }
            launch::announce_skips(settings, start, &skipped, &mut announced);
            if in_finally && !finally_phases.contains(&Phase::Running) {
                break;
            }
            let next = [
                deadline,
                if in_finally {
                    finally_deadline
                } else {
                    tasks_deadline
                },
            ]
            .into_iter()
            .flatten()
            .min();
            let msg = match next {
                None => self.rx.recv().ok(),
                Some(at) => match self
                    .rx
                    .recv_timeout(at.saturating_duration_since(Instant::now()))
                {
                    Ok(m) => Some(m),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => None,
                },
            };
            let msg = match msg {
                Some(Msg::Matrix(i, is_finally, task, runs)) => {
                    let aggregate = fanout::matrix_outcome(task, &runs);
                    ended.extend(runs);
                    Some(Msg::Done(i, is_finally, Box::new(aggregate)))
                }
                other => other,
            };
            match msg {
                Some(Msg::Matrix(..)) => {}
                Some(Msg::Done(i, is_finally, mut outcome)) => {
                    running.lock().map(|mut r| r.remove(&(is_finally, i))).ok();
                    let ignored =
                        !is_finally && plan.spec.tasks[i].on_error.as_deref() == Some("continue");
                    let phase = if outcome.succeeded {
                        Phase::Succeeded
                    } else if outcome.cancelled && stopped_for_timeout.contains(&(is_finally, i)) {
                        Phase::Failed
                    } else if outcome.cancelled {
                        Phase::Cancelled
                    } else if ignored {
                        Phase::FailureIgnored
                    } else {
                        Phase::Failed
                    };
                    if phase == Phase::FailureIgnored {
                        ignore_failure(&mut outcome);
                    }
                    launch::announce(
                        settings.progress,
                        start,
                        format_args!("{} {phase:?}", outcome.task),
                    );
                    if !outcome.succeeded && !is_finally && phase != Phase::FailureIgnored {
                        stopping = true;
                    }
                    results.insert(outcome.task.clone(), outcome.results.clone());
                    if is_finally {
                        finally_phases[i] = phase;
                    } else {
                        phases[i] = phase;
                    }
                    if !outcome.matrix {
                        ended.push(*outcome);
                    }
                }
                Some(Msg::Cancel(mode @ CancelMode::CancelledRunFinally))
                | Some(Msg::Cancel(mode @ CancelMode::StoppedRunFinally)) => {
                    if !cancelled && graceful.is_none() {
                        graceful = Some(mode);
                        stopping = true;
                        let reason = mode.interim_reason();
                        let what = format_args!("{} {reason} (finally runs next)", plan.name);
                        launch::announce(settings.progress, start, what);
                        if mode == CancelMode::CancelledRunFinally && !in_finally {
                            cancel_all(&running, StopCause::Cancelled);
                        }
                    }
                }
                Some(Msg::Cancel(CancelMode::Cancelled)) => {
                    frozen_skips.get_or_insert(skipped.len());
                    cancelled = true;
                    stopping = true;
                    stop.store(true, Ordering::SeqCst);
                    cancel_all(&running, StopCause::Cancelled);
                }
                None => {
                    // A deadline passed: each fires once.
                    timed_out = true;
                    stopping = true;
                    let now = Instant::now();
                    if deadline.is_some_and(|d| now >= d) {
                        frozen_skips.get_or_insert(skipped.len());
                        whole_timed_out = true;
                        deadline = None;
                        stop.store(true, Ordering::SeqCst);
                    } else if in_finally {
                        finally_deadline = None;
                        stop.store(true, Ordering::SeqCst);
                    } else {
                        // Only the tasks' share ran out: finally still runs.
                        tasks_deadline = None;
                    }
                    if let Ok(map) = running.lock() {
                        stopped_for_timeout.extend(map.keys().copied());
                    }
                    cancel_all(&running, StopCause::TimedOut);
                }
            }
        }
        if let Some(n) = frozen_skips {
            skipped.truncate(n);
        }
        let ending = if cancelled {
            Ending::Cancelled
        } else if whole_timed_out {
            Ending::TimedOut
        } else if timed_out {
            Ending::TasksTimedOut
        } else if graceful.is_some() {
            Ending::Graceful
        } else {
            Ending::Finished
        };
        let run = Ended {
            ending,
            aborted,
            phases: &phases,
            finally_phases: &finally_phases,
            results: &results,
            started_at,
        };
        Outcome {
            status: run.status(plan, children, skipped),
            tasks: ended,
        }
    }
}

/// A TaskRun that failed under its pipeline task's `onError: continue`
/// ends with reason `FailureIgnored`, as upstream's pod status marks it
/// (a timeout keeps its own reason).
fn ignore_failure(outcome: &mut TaskOutcome) {
    let conditions = outcome.status.iter_mut().flat_map(|s| &mut s.conditions);
    for c in conditions.filter(|c| c.kind == "Succeeded" && c.reason == "Failed") {
        c.reason = "FailureIgnored".into();
    }
}
