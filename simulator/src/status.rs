//! The outcome of a run, in the shape of a TaskRun's status.

use std::time::SystemTime;

use serde::Serialize;

use crate::runtime::process::Exit;
use crate::scenario::ResultSpec;
use crate::termination::{internal, Entry, EntryKind};

/// A TaskRun-shaped status.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunStatus {
    /// The `Succeeded` condition.
    pub conditions: Vec<Condition>,
    /// Name of the Pod.
    pub pod_name: String,
    /// When the attempt started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// When the attempt ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_time: Option<String>,
    /// One entry per step, in order.
    pub steps: Vec<StepState>,
    /// One entry per sidecar.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sidecars: Vec<SidecarState>,
    /// Task results.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<ResultValue>,
    /// Earlier failed attempts, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retries_status: Vec<RunStatus>,
}

/// A Kubernetes-style condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Always `Succeeded`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// `Succeeded`, `Failed`, `TaskRunTimeout`, `TaskRunCancelled`, `SidecarFailed`.
    pub reason: String,
    /// Human explanation.
    pub message: String,
    /// When the condition was set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
}

/// A step's final state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepState {
    /// Step name.
    pub name: String,
    /// Container name.
    pub container: String,
    /// Set once the step's container ended; absent when it never ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminated: Option<Terminated>,
    /// Step results.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<ResultValue>,
}

/// A sidecar's final state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SidecarState {
    /// Sidecar name.
    pub name: String,
    /// Container name.
    pub container: String,
    /// Whether it became ready.
    pub ready: bool,
    /// How its process ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminated: Option<Terminated>,
}

/// A terminated container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Terminated {
    /// Exit code (the failed command's code for `Continued`).
    pub exit_code: i32,
    /// `Completed`, `Error`, `Skipped`, `TimeoutExceeded`, `Cancelled`, `Continued`.
    pub reason: String,
    /// When the step's command started (from the termination message).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// When the container ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

/// A task or step result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultValue {
    /// Result name.
    pub name: String,
    /// `string`, `array` or `object`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The value, parsed as JSON for arrays and objects.
    pub value: serde_json::Value,
}

/// How an attempt ended, as seen by the controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// Every container ended by itself.
    Finished,
    /// The attempt's timeout fired (the limit in Go's duration syntax).
    TimedOut(String),
    /// The run was cancelled (Ctrl-C or a cancel request), with the
    /// TaskRun's `spec.statusMessage` (empty when it has none).
    Cancelled(String),
    /// An init container or the Pod setup failed.
    PodFailed(String),
    /// A sidecar ended before it was ready.
    SidecarFailed(String),
    /// Every unfinished step waited on a file nobody could write (the
    /// diagnosis), or waited longer than the hang timeout.
    Stuck(String),
}

/// Formats a time the way Kubernetes does (RFC 3339, UTC, milliseconds).
pub fn timestamp(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}

/// The state of a step container that ended with `exit` and wrote
/// `entries`. The message's `Reason` (`Skipped`, `TimeoutExceeded`,
/// `Cancelled`) wins; a zero exit with a non-zero `ExitCode` entry is
/// `Continued` with that code; otherwise `Completed` for 0, `Cancelled` for a
/// process killed during a cancelled run, `Error` for the rest.
pub fn step_terminated(exit: &Exit, entries: &[Entry], cancelled: bool) -> Terminated {
    let started_at = internal(entries, "StartedAt").map(str::to_string);
    let message_code = internal(entries, "ExitCode").and_then(|c| c.trim().parse::<i32>().ok());
    let (exit_code, reason) = match internal(entries, "Reason") {
        Some(reason @ ("Skipped" | "TimeoutExceeded" | "Cancelled")) => {
            (exit.code, reason.to_string())
        }
        _ => match (exit.code, message_code) {
            (0, Some(code)) if code != 0 => (code, "Continued".to_string()),
            (0, _) => (0, "Completed".to_string()),
            (code, _) if cancelled && exit.signal.is_some() => (code, "Cancelled".to_string()),
            (code, _) => (code, "Error".to_string()),
        },
    };
    Terminated {
        exit_code,
        reason,
        started_at,
        finished_at: Some(timestamp(exit.at)),
    }
}

/// Results of kind `kind` in `entries`, typed by `declared` (strings when
/// undeclared); later entries with the same name win. With `only_declared`,
/// undeclared names are dropped.
pub fn results(
    entries: &[Entry],
    kind: EntryKind,
    declared: &[ResultSpec],
    only_declared: bool,
) -> Vec<ResultValue> {
    let mut out: Vec<ResultValue> = Vec::new();
    for entry in entries.iter().filter(|e| e.kind == kind) {
        let spec = declared.iter().find(|r| r.name == entry.key);
        if only_declared && spec.is_none() {
            continue;
        }
        let kind = spec
            .and_then(|s| s.kind.clone())
            .unwrap_or_else(|| "string".to_string());
        let value = match kind.as_str() {
            "array" | "object" => serde_json::from_str(&entry.value)
                .unwrap_or_else(|_| serde_json::Value::String(entry.value.clone())),
            _ => serde_json::Value::String(entry.value.clone()),
        };
        let result = ResultValue {
            name: entry.key.clone(),
            kind,
            value,
        };
        match out.iter_mut().find(|r| r.name == result.name) {
            Some(existing) => *existing = result,
            None => out.push(result),
        }
    }
    out
}

/// The `Succeeded` condition of an attempt of run `name` that ended with
/// `ending` and whose steps are `steps`: a controller-side ending decides;
/// otherwise the first step that is not `Completed`, `Continued` or
/// `Skipped` with exit 0 (a `when` skip) makes the run `Failed`, and a step
/// that never ran too. The messages are worded as upstream's controller
/// words them (`pkg/pod/status.go`, `pkg/reconciler/taskrun`), the timeout
/// in Go's duration syntax.
pub fn condition(name: &str, ending: &Ending, steps: &[StepState], at: SystemTime) -> Condition {
    let (status, reason, message) = match ending {
        Ending::Cancelled(why) => (
            "False",
            "TaskRunCancelled",
            format!("TaskRun {name:?} was cancelled. {why}"),
        ),
        Ending::TimedOut(limit) => (
            "False",
            "TaskRunTimeout",
            format!("TaskRun {name:?} failed to finish within {limit:?}"),
        ),
        Ending::PodFailed(why) => ("False", "Failed", why.clone()),
        Ending::SidecarFailed(why) => ("False", "SidecarFailed", why.clone()),
        Ending::Stuck(why) => ("False", "Stuck", why.clone()),
        Ending::Finished => match steps.iter().find(|s| !step_ok(s)) {
            None => (
                "True",
                "Succeeded",
                "All Steps have completed executing".to_string(),
            ),
            Some(step) => {
                let message = match &step.terminated {
                    Some(t) if t.reason == "TimeoutExceeded" => format!(
                        "{:?} exited because the step exceeded the specified timeout limit",
                        step.container
                    ),
                    Some(t) => format!("{:?} exited with code {}", step.container, t.exit_code),
                    None => format!("{:?} never ran", step.container),
                };
                ("False", "Failed", message)
            }
        },
    };
    Condition {
        kind: "Succeeded".to_string(),
        status: status.to_string(),
        reason: reason.to_string(),
        message,
        last_transition_time: Some(timestamp(at)),
    }
}

/// Whether a step's state lets the run succeed.
pub fn step_ok(step: &StepState) -> bool {
    match &step.terminated {
        Some(t) => match t.reason.as_str() {
            "Completed" | "Continued" => true,
            "Skipped" => t.exit_code == 0,
            _ => false,
        },
        None => false,
    }
}

impl RunStatus {
    /// Whether the run succeeded.
    pub fn succeeded(&self) -> bool {
        self.conditions.first().is_some_and(|c| c.status == "True")
    }

    /// The condition's reason.
    pub fn reason(&self) -> &str {
        self.conditions
            .first()
            .map_or("Unknown", |c| c.reason.as_str())
    }
}
