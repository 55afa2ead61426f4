//! The CustomRun resource (`tekton.dev/v1beta1`), field for field as Tekton
//! serialises it, and the status helpers every runner uses.

use std::time::SystemTime;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `apiVersion` of a CustomRun.
pub const API_VERSION: &str = "tekton.dev/v1beta1";
/// `spec.status` value that asks the runner to cancel.
pub const SPEC_STATUS_CANCELLED: &str = "RunCancelled";
/// Reason of a cancelled CustomRun.
pub const REASON_CANCELLED: &str = "CustomRunCancelled";
/// Reason of a CustomRun whose try outlived `spec.timeout`.
pub const REASON_TIMED_OUT: &str = "CustomRunTimedOut";
/// Reason the simulator gives a CustomRun that fails validation.
pub const REASON_VALIDATION_FAILED: &str = "CustomRunValidationFailed";
/// Reason the simulator gives a runner it killed for ignoring cancellation.
pub const REASON_RUNNER_KILLED: &str = "RunnerKilled";
/// Reason of a CustomRun rejected because it uses what its runner does not support.
pub const REASON_NOT_SUPPORTED: &str = "CustomRunFeatureNotSupported";
/// `spec.statusMessage` the pipeline controller writes when its PipelineRun is cancelled.
pub const CANCELLED_BY_PIPELINE: &str =
    "CustomRun cancelled as the PipelineRun it belongs to has been cancelled.";
/// `spec.statusMessage` the pipeline controller writes when its PipelineRun timed out.
pub const CANCELLED_BY_PIPELINE_TIMEOUT: &str =
    "CustomRun cancelled as the PipelineRun it belongs to has timed out.";

/// A CustomRun: a task handed to a custom-task controller.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomRun {
    /// `tekton.dev/v1beta1`.
    #[serde(default)]
    pub api_version: String,
    /// `CustomRun`.
    #[serde(default)]
    pub kind: String,
    /// Name, namespace, labels...
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// What to run.
    #[serde(default)]
    pub spec: CustomRunSpec,
    /// Written by the runner; absent until one picks the CustomRun up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CustomRunStatus>,
}

/// `spec` of a CustomRun.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomRunSpec {
    /// The custom task by reference (apiVersion, kind, optional name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_ref: Option<TaskRef>,
    /// The custom task embedded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_spec: Option<EmbeddedCustomRunSpec>,
    /// Parameters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// `RunCancelled` once cancellation is requested.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// Why it was cancelled.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status_message: String,
    /// Retries after a failed try.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retries: u32,
    /// Service account (passed through).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service_account_name: String,
    /// Timeout of each try (Go duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Workspace bindings (passed through as given).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workspaces: Vec<Value>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// `spec.customRef`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRef {
    /// API version of the custom task.
    #[serde(default)]
    pub api_version: String,
    /// Kind of the custom task.
    #[serde(default)]
    pub kind: String,
    /// Object to look up; absent means the kind's default behaviour.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

/// `spec.customSpec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmbeddedCustomRunSpec {
    /// API version of the custom task.
    #[serde(default)]
    pub api_version: String,
    /// Kind of the custom task.
    #[serde(default)]
    pub kind: String,
    /// Labels and annotations.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub metadata: Value,
    /// The task's own spec, opaque to Tekton.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub spec: Value,
}

/// A parameter: a string, an array of strings or an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// Name.
    pub name: String,
    /// Value as given.
    pub value: Value,
}

/// `status` of a CustomRun.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomRunStatus {
    /// The `Succeeded` condition.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// Generation the status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_time: Option<String>,
    /// Results.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<RunResult>,
    /// One entry per failed try that was retried.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retries_status: Vec<CustomRunStatus>,
    /// Anything the runner wants to keep.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub extra_fields: Value,
}

/// A condition (only `Succeeded` is used).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// `Succeeded`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// Machine-readable reason.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Human message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
}

/// A result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// The current time in RFC 3339 (seconds), as Kubernetes writes it.
pub fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

impl CustomRun {
    /// The `(apiVersion, kind)` of the custom task, from `customRef` or `customSpec`.
    pub fn task_type(&self) -> Option<(&str, &str)> {
        if let Some(r) = &self.spec.custom_ref {
            return Some((&r.api_version, &r.kind));
        }
        self.spec
            .custom_spec
            .as_ref()
            .map(|s| (s.api_version.as_str(), s.kind.as_str()))
    }

    /// The string value of parameter `name`, if it is set and a string.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.spec
            .params
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.as_str())
    }

    /// Whether `spec.status` asks for cancellation.
    pub fn is_cancelled(&self) -> bool {
        self.spec.status == SPEC_STATUS_CANCELLED
    }
}

impl CustomRunStatus {
    /// The `Succeeded` condition, if any.
    pub fn succeeded(&self) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.type_ == "Succeeded")
    }

    /// `True`, `False`, `Unknown`, or `None` without a `Succeeded` condition.
    pub fn state(&self) -> Option<&str> {
        self.succeeded().map(|c| c.status.as_str())
    }

    /// Whether `Succeeded` is `True` or `False`.
    pub fn is_done(&self) -> bool {
        matches!(self.state(), Some("True" | "False"))
    }

    /// The `Succeeded` condition's reason, or "".
    pub fn reason(&self) -> &str {
        self.succeeded().map_or("", |c| c.reason.as_str())
    }

    /// Sets the `Succeeded` condition; a `True`/`False` one also sets `completionTime`.
    pub fn mark(&mut self, status: &str, reason: &str, message: &str) {
        let time = now();
        self.conditions.retain(|c| c.type_ != "Succeeded");
        self.conditions.push(Condition {
            type_: "Succeeded".to_string(),
            status: status.to_string(),
            reason: reason.to_string(),
            message: message.to_string(),
            last_transition_time: Some(time.clone()),
        });
        if status != "Unknown" {
            self.completion_time = Some(time);
        }
    }

    /// A status that finished `False` with `reason` and `message`.
    pub fn failed(reason: &str, message: &str) -> CustomRunStatus {
        let mut status = CustomRunStatus {
            start_time: Some(now()),
            ..CustomRunStatus::default()
        };
        status.mark("False", reason, message);
        status
    }
}
