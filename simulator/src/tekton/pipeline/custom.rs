//! The seam for custom tasks: a pipeline task whose `taskRef` or `taskSpec`
//! names an apiVersion/kind other than Tekton's runs as a CustomRun through
//! [`CustomTasks`]. The default answers with one clear error.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

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
    /// Runs `request` to completion; `cancel` turns true when the
    /// PipelineRun is cancelled or times out. An `Err` fails the pipeline
    /// task with that message.
    fn run(
        &self,
        request: &CustomRunRequest,
        cancel: Arc<AtomicBool>,
    ) -> Result<CustomRunOutcome, String>;
}

/// No custom task runner: every custom task is an error.
pub struct NoCustomTasks;

impl CustomTasks for NoCustomTasks {
    fn run(
        &self,
        request: &CustomRunRequest,
        _: Arc<AtomicBool>,
    ) -> Result<CustomRunOutcome, String> {
        Err(format!(
            "custom task {}/{}: no runner registered (podsim runs Tekton Tasks; custom tasks need a CustomRun runner)",
            request.api_version, request.kind
        ))
    }
}
