//! The seam for custom tasks: a pipeline task whose `taskRef` or `taskSpec`
//! names an apiVersion/kind other than Tekton's runs as a CustomRun through
//! [`CustomTasks`]. The default answers with one clear error.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::status::ResultValue;

/// What a custom task is asked to run.
#[derive(Debug, Clone)]
pub struct CustomRunRequest {
    /// The CustomRun's name (`<pipelinerun>-<task>`).
    pub name: String,
    /// `apiVersion` of the custom task.
    pub api_version: String,
    /// `kind` of the custom task.
    pub kind: String,
    /// The referenced name (taskRef) if any.
    pub reference: Option<String>,
    /// The embedded spec (taskSpec.spec) if any.
    pub spec: Option<serde_json::Value>,
    /// Parameters, substituted.
    pub params: Vec<crate::tekton::model::Param>,
    /// The pipeline task's `retries` (the CustomRun's `spec.retries`).
    pub retries: u32,
    /// The pipeline task's `timeout` (the CustomRun's `spec.timeout`, Go duration).
    pub timeout: Option<String>,
}

/// The pipeline controller's cancellation of one CustomRun: the
/// `spec.statusMessage` it writes with `spec.status: RunCancelled`.
#[derive(Debug, Default)]
pub struct CancelRequest {
    message: Mutex<Option<String>>,
    changed: Condvar,
}

impl CancelRequest {
    /// Requests cancellation with `message`; the first request wins.
    pub fn cancel(&self, message: &str) {
        let mut m = self.message.lock().unwrap_or_else(|e| e.into_inner());
        if m.is_none() {
            *m = Some(message.to_string());
        }
        self.changed.notify_all();
    }

    /// Blocks until cancellation is requested or `timeout` passes; the message if requested.
    pub fn wait(&self, timeout: Duration) -> Option<String> {
        let m = self.message.lock().unwrap_or_else(|e| e.into_inner());
        let (m, _) = self
            .changed
            .wait_timeout_while(m, timeout, |m| m.is_none())
            .unwrap_or_else(|e| e.into_inner());
        m.clone()
    }
}

/// How a CustomRun ended.
#[derive(Debug, Clone)]
pub struct CustomRunOutcome {
    /// Whether it succeeded.
    pub succeeded: bool,
    /// Reason of its `Succeeded` condition.
    pub reason: String,
    /// Message of its condition.
    pub message: String,
    /// Its results.
    pub results: Vec<ResultValue>,
}

/// Runs custom tasks for the pipeline controller.
pub trait CustomTasks: Send + Sync {
    /// Runs `request` to completion; `cancel` is requested (with upstream's
    /// statusMessage) when the PipelineRun is cancelled or times out. An
    /// `Err` fails the pipeline task with that message.
    fn run(
        &self,
        request: &CustomRunRequest,
        cancel: Arc<CancelRequest>,
    ) -> Result<CustomRunOutcome, String>;
}

/// No custom task runner: every custom task is an error.
pub struct NoCustomTasks;

impl CustomTasks for NoCustomTasks {
    fn run(
        &self,
        request: &CustomRunRequest,
        _: Arc<CancelRequest>,
    ) -> Result<CustomRunOutcome, String> {
        Err(format!(
            "custom task {}/{}: no runner registered (podsim runs Tekton Tasks; custom tasks need a CustomRun runner)",
            request.api_version, request.kind
        ))
    }
}
