//! The try loop every in-process runner shares: `timeout` per try, retries
//! recorded in `retriesStatus`, `Succeeded=False` only once the retries are
//! used up (or on cancellation), `Unknown` in between.

use std::time::{Duration, Instant};

use super::control::Control;
use super::model::{
    now, CustomRun, CustomRunStatus, RunResult, REASON_CANCELLED, REASON_TIMED_OUT,
};

/// How one try ended.
#[derive(Debug, Clone, PartialEq)]
pub enum TryEnd {
    /// `Succeeded=True`.
    Succeeded {
        /// Reason.
        reason: String,
        /// Message.
        message: String,
        /// Results.
        results: Vec<RunResult>,
    },
    /// A failure another try may fix.
    Failed {
        /// Reason.
        reason: String,
        /// Message.
        message: String,
    },
    /// A failure no retry can fix (bad params): final at once.
    Rejected {
        /// Reason.
        reason: String,
        /// Message.
        message: String,
    },
    /// The try outlived the timeout.
    TimedOut,
    /// Cancellation was requested (with this statusMessage).
    Cancelled(String),
}

/// What a try may do while it runs: wait, watching for cancellation and the deadline.
pub struct Try<'a> {
    control: &'a Control,
    deadline: Option<Instant>,
}

impl Try<'_> {
    /// Waits `duration`, returning early with [`TryEnd::Cancelled`] or
    /// [`TryEnd::TimedOut`]; `None` when the full duration elapsed.
    pub fn sleep(&self, duration: Duration) -> Option<TryEnd> {
        let wake = Instant::now() + duration;
        let (until, timing_out) = match self.deadline {
            Some(deadline) if deadline < wake => (deadline, true),
            _ => (wake, false),
        };
        let left = until.saturating_duration_since(Instant::now());
        if let Some(message) = self.control.wait_cancelled(left) {
            return Some(TryEnd::Cancelled(message));
        }
        timing_out.then_some(TryEnd::TimedOut)
    }
}

/// Runs `attempt` up to `1 + spec.retries` times, each try under
/// `spec.timeout` (`timeout` must already be parsed: validation does that),
/// publishing every status change on `control` and returning the final status.
/// A cancellation requested before the first try ends the run without one.
pub fn drive(
    run: &CustomRun,
    timeout: Option<Duration>,
    control: &Control,
    attempt: impl Fn(&Try<'_>) -> TryEnd,
) -> CustomRunStatus {
    let mut status = CustomRunStatus {
        start_time: Some(now()),
        ..CustomRunStatus::default()
    };
    status.mark("Unknown", "Running", "");
    control.publish(status.clone());
    loop {
        let end = match control.cancelled() {
            Some(message) => TryEnd::Cancelled(message),
            None => attempt(&Try {
                control,
                deadline: timeout.map(|t| Instant::now() + t),
            }),
        };
        let (reason, message) = match end {
            TryEnd::Succeeded {
                reason,
                message,
                results,
            } => {
                status.results = results;
                status.mark("True", &reason, &message);
                control.publish(status.clone());
                return status;
            }
            TryEnd::Cancelled(message) => {
                status.mark("False", REASON_CANCELLED, &message);
                control.publish(status.clone());
                return status;
            }
            TryEnd::Rejected { reason, message } => {
                status.mark("False", &reason, &message);
                control.publish(status.clone());
                return status;
            }
            TryEnd::Failed { reason, message } => (reason, message),
            TryEnd::TimedOut => (
                REASON_TIMED_OUT.to_string(),
                format!(
                    "CustomRun {:?} timed out after {}",
                    run.metadata.name.as_deref().unwrap_or(""),
                    timeout.map_or("0s".to_string(), |t| humantime::format_duration(t)
                        .to_string())
                ),
            ),
        };
        status.mark("False", &reason, &message);
        if status.retries_status.len() >= run.spec.retries as usize {
            control.publish(status.clone());
            return status;
        }
        let mut attempt_status = status.clone();
        attempt_status.retries_status.clear();
        status.retries_status.push(attempt_status);
        status.start_time = Some(now());
        status.completion_time = None;
        status.mark("Unknown", "Running", &format!("retrying after: {message}"));
        control.publish(status.clone());
    }
}
