//! The shared state between whoever owns a CustomRun (the caller: `podsim`,
//! a pipeline controller, the contract checker) and the runner executing it:
//! the caller writes `spec.status`/`spec.statusMessage`, the runner publishes
//! status updates, and either side waits on the other with a deadline.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::model::CustomRunStatus;

/// One CustomRun's cancellation request and status history. Cheap to share
/// by reference across threads (`&Control` is `Send + Sync`).
#[derive(Debug, Default)]
pub struct Control {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    cancel: Option<String>,
    history: Vec<CustomRunStatus>,
}

impl Control {
    /// A fresh control: not cancelled, no status.
    pub fn new() -> Control {
        Control::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means a runner thread panicked; the data is still whole.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes `spec.status: RunCancelled` with `spec.statusMessage: message`.
    /// The first request wins; later ones are ignored (as a second patch of
    /// the same field changes nothing a runner acts on).
    pub fn cancel(&self, message: &str) {
        let mut state = self.lock();
        if state.cancel.is_none() {
            state.cancel = Some(message.to_string());
        }
        self.changed.notify_all();
    }

    /// The `statusMessage` once cancellation was requested.
    pub fn cancelled(&self) -> Option<String> {
        self.lock().cancel.clone()
    }

    /// Blocks until cancellation is requested or `timeout` passes; returns
    /// the `statusMessage` if cancelled.
    pub fn wait_cancelled(&self, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        loop {
            if let Some(message) = &state.cancel {
                return Some(message.clone());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Records a status the runner wrote. An update equal to the latest one is dropped.
    pub fn publish(&self, status: CustomRunStatus) {
        let mut state = self.lock();
        if state.history.last() != Some(&status) {
            state.history.push(status);
        }
        self.changed.notify_all();
    }

    /// The latest status, `None` while no runner wrote one.
    pub fn latest(&self) -> Option<CustomRunStatus> {
        self.lock().history.last().cloned()
    }

    /// Every distinct status written so far, oldest first.
    pub fn history(&self) -> Vec<CustomRunStatus> {
        self.lock().history.clone()
    }

    /// Blocks until the latest status satisfies `done` or `timeout` passes;
    /// returns the status that satisfied it.
    pub fn wait_status(
        &self,
        timeout: Duration,
        done: impl Fn(&CustomRunStatus) -> bool,
    ) -> Option<CustomRunStatus> {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        loop {
            if let Some(status) = state.history.last().filter(|s| done(s)) {
                return Some(status.clone());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}
