//! How a PipelineRun is ended from outside: the `spec.status` values that
//! cancel or stop it, and the handle other threads (`--cancel-after`,
//! Ctrl-C) send them through.

use std::sync::mpsc::Sender;

use super::Msg;
use crate::customrun::model::{CANCELLED_BY_PIPELINE, CANCELLED_BY_PIPELINE_TIMEOUT};

/// How a PipelineRun is cancelled: the values of a PipelineRun's
/// `spec.status` that end it, with upstream's semantics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CancelMode {
    /// `Cancelled`: running tasks are cancelled, nothing new starts, finally
    /// tasks do not run.
    #[default]
    #[value(name = "Cancelled")]
    Cancelled,
    /// `CancelledRunFinally`: running tasks are cancelled, nothing new
    /// starts, then the finally tasks run.
    #[value(name = "CancelledRunFinally")]
    CancelledRunFinally,
    /// `StoppedRunFinally`: running tasks finish, nothing new starts, then
    /// the finally tasks run.
    #[value(name = "StoppedRunFinally")]
    StoppedRunFinally,
}

impl CancelMode {
    /// The skip reason of a DAG task that never started because of it.
    pub(super) fn skip_reason(self) -> &'static str {
        match self {
            CancelMode::Cancelled => "PipelineRun was cancelled",
            CancelMode::CancelledRunFinally => "PipelineRun was gracefully cancelled",
            CancelMode::StoppedRunFinally => "PipelineRun was gracefully stopped",
        }
    }

    /// The run's interim reason (its condition `Unknown`) from the request
    /// until it ends, as upstream's controller reports it.
    pub(super) fn interim_reason(self) -> &'static str {
        match self {
            CancelMode::Cancelled => "Cancelled",
            CancelMode::CancelledRunFinally => "CancelledRunningFinally",
            CancelMode::StoppedRunFinally => "StoppedRunningFinally",
        }
    }
}

/// Cancels a running PipelineRun from another thread (`--cancel-after`, Ctrl-C).
#[derive(Clone)]
pub struct PipelineCanceller(pub(super) Sender<Msg>);

impl PipelineCanceller {
    /// Cancels: running TaskRuns are cancelled, nothing new starts, finally
    /// tasks do not run; the run ends `Cancelled`.
    pub fn cancel(&self) {
        self.cancel_as(CancelMode::Cancelled);
    }

    /// Cancels as `spec.status: <mode>` does: [`CancelMode::Cancelled`] as
    /// [`PipelineCanceller::cancel`]; the graceful modes let the finally
    /// tasks run and end the run `Cancelled` unless a task failed. A later
    /// plain cancel (Ctrl-C) still cancels everything.
    pub fn cancel_as(&self, mode: CancelMode) {
        let _ = self.0.send(Msg::Cancel(mode));
    }
}

/// Why the pipeline controller stops the tasks it runs: the
/// `spec.statusMessage` upstream's gives their TaskRuns and CustomRuns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StopCause {
    /// The PipelineRun was cancelled (or failed at once).
    Cancelled,
    /// One of the PipelineRun's timeouts fired.
    TimedOut,
}

impl StopCause {
    /// A TaskRun's statusMessage.
    pub(super) fn task_run(self) -> &'static str {
        match self {
            StopCause::Cancelled => {
                "TaskRun cancelled as the PipelineRun it belongs to has been cancelled."
            }
            StopCause::TimedOut => {
                "TaskRun cancelled as the PipelineRun it belongs to has timed out."
            }
        }
    }

    /// A CustomRun's statusMessage.
    pub(super) fn custom_run(self) -> &'static str {
        match self {
            StopCause::Cancelled => CANCELLED_BY_PIPELINE,
            StopCause::TimedOut => CANCELLED_BY_PIPELINE_TIMEOUT,
        }
    }
}

/// Stops every running task for `cause`.
pub(super) fn cancel_all(running: &super::launch::Running, cause: StopCause) {
    if let Ok(map) = running.lock() {
        map.values().for_each(|s| s.stop(cause));
    }
}
