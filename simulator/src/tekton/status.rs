//! A TaskRun's status in Tekton's v1 shape (`TaskRunStatus`): the runtime's
//! status (conditions with upstream's reasons, podName, start and
//! completion times, steps, sidecars, typed results, retriesStatus) plus
//! the resolved `taskSpec`, as `kubectl get taskrun -o json` shows it.

use serde::Serialize;

use super::model::TaskSpec;
use crate::status::RunStatus;

/// `.status` of a TaskRun: serialised as the runtime's status with its step
/// states in upstream's terms ([`upstream_shape`]) and `taskSpec`.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRunStatus {
    /// What the runtime reported.
    pub run: RunStatus,
    /// The Task spec that ran (after `taskRef` resolution).
    pub task_spec: TaskSpec,
}

impl Serialize for TaskRunStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut json = task_run_status(&self.run).map_err(serde::ser::Error::custom)?;
        let mut spec = serde_json::to_value(&self.task_spec).map_err(serde::ser::Error::custom)?;
        prune(&mut spec);
        if let Some(map) = json.as_object_mut() {
            map.insert("taskSpec".into(), spec);
        }
        json.serialize(serializer)
    }
}

/// The runtime's status of a TaskRun as Tekton's v1 status shows it (a
/// PipelineRun's child TaskRuns too): [`RunStatus`] in [`upstream_shape`].
pub fn task_run_status(run: &RunStatus) -> Result<serde_json::Value, serde_json::Error> {
    let mut json = serde_json::to_value(run)?;
    upstream_shape(&mut json);
    Ok(json)
}

/// Rewrites a serialised [`RunStatus`] (and each of its `retriesStatus`) as
/// upstream's controller reports it:
/// - task results in name order (upstream's entrypoint reads the results
///   directory in name order into the termination message);
/// - each step's entrypoint verdict (`Completed`, `Error`, `Continued`,
///   `Skipped`, `TimeoutExceeded`, `Cancelled`) in `terminationReason`, and
///   `terminated.reason` what the kubelet saw of the container: `Completed`
///   when it exited 0 (a step continued after its failure does), else
///   `Error`. The exit code stays the step's own;
/// - in a run that timed out or was cancelled ([`stopped_by`]), the steps
///   the stop ended ([`ended_by_stop`]) as upstream's controller marks the
///   steps of the Pod it deletes: exit code 1, the run's reason as both
///   reasons.
pub fn upstream_shape(status: &mut serde_json::Value) {
    if let Some(retries) = status
        .get_mut("retriesStatus")
        .and_then(|r| r.as_array_mut())
    {
        retries.iter_mut().for_each(upstream_shape);
    }
    if let Some(results) = status.get_mut("results").and_then(|r| r.as_array_mut()) {
        results.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    }
    let stop = stopped_by(status);
    let completion = status.get("completionTime").cloned();
    let steps = status.get_mut("steps").and_then(|s| s.as_array_mut());
    for step in steps.into_iter().flatten() {
        if let Some(reason) = stop.filter(|_| ended_by_stop(step)) {
            let mut terminated = serde_json::json!({"exitCode": 1, "reason": reason});
            if let Some(at) = step.pointer("/terminated/startedAt") {
                terminated["startedAt"] = at.clone();
            }
            if let Some(at) = &completion {
                terminated["finishedAt"] = at.clone();
            }
            step["terminated"] = terminated;
            step["terminationReason"] = reason.into();
            continue;
        }
        let Some(reason) = step
            .pointer("/terminated/reason")
            .and_then(|r| r.as_str())
            .map(str::to_owned)
        else {
            continue;
        };
        let kubelet = match reason.as_str() {
            "Completed" | "Continued" => "Completed",
            _ => "Error",
        };
        step["terminated"]["reason"] = kubelet.into();
        step["terminationReason"] = reason.into();
    }
}

/// The reason of a run that upstream's controller stopped by deleting its
/// Pod: `TaskRunTimeout` or `TaskRunCancelled`.
fn stopped_by(status: &serde_json::Value) -> Option<&'static str> {
    let conditions = status.get("conditions")?.as_array()?;
    let succeeded = conditions.iter().find(|c| c["type"] == "Succeeded")?;
    ["TaskRunTimeout", "TaskRunCancelled"]
        .into_iter()
        .find(|r| succeeded["reason"] == *r)
}

/// Whether a step of a stopped run was still running (or waiting) when the
/// stop came, as the runtime reports it: it never ended, the stop ended it
/// (`Cancelled`), or it was skipped because of the stop (`Skipped` with a
/// non-zero exit: a skip after a failure ends the run before any stop, a
/// `when` skip exits 0).
fn ended_by_stop(step: &serde_json::Value) -> bool {
    let Some(terminated) = step.get("terminated") else {
        return true;
    };
    match terminated["reason"].as_str() {
        Some("Cancelled") => true,
        Some("Skipped") => terminated["exitCode"] != 0,
        _ => false,
    }
}

/// Serialises `value` without its nulls, `false`s and empty lists and maps
/// (what Go's `omitempty` leaves out).
pub(crate) fn pruned_spec<T: Serialize, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut json = serde_json::to_value(value).map_err(serde::ser::Error::custom)?;
    prune(&mut json);
    json.serialize(serializer)
}

/// Removes nulls, `false`s and empty lists and maps from `value`, recursively.
pub fn prune(value: &mut serde_json::Value) {
    use serde_json::Value;
    let empty = |v: &Value| match v {
        Value::Null | Value::Bool(false) => true,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    };
    match value {
        Value::Object(map) => {
            map.values_mut().for_each(prune);
            map.retain(|_, v| !empty(v));
        }
        Value::Array(items) => items.iter_mut().for_each(prune),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn step(name: &str, terminated: Option<serde_json::Value>) -> serde_json::Value {
        match terminated {
            Some(t) => json!({"name": name, "terminated": t}),
            None => json!({"name": name}),
        }
    }

    #[test]
    fn a_stopped_run_marks_the_steps_the_stop_ended_with_its_reason() {
        let mut status = json!({
            "conditions": [{"type": "Succeeded", "status": "False", "reason": "TaskRunTimeout"}],
            "completionTime": "T",
            "steps": [
                step("done", Some(json!({"exitCode": 0, "reason": "Completed"}))),
                step("when", Some(json!({"exitCode": 0, "reason": "Skipped"}))),
                step("running", Some(json!({"exitCode": 9, "reason": "Cancelled", "startedAt": "S"}))),
                step("after", Some(json!({"exitCode": 1, "reason": "Skipped"}))),
                step("never", None),
            ],
        });
        upstream_shape(&mut status);
        let got: Vec<_> = status["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["terminated"]["exitCode"].clone(),
                    s["terminationReason"].clone(),
                )
            })
            .collect();
        let stop = || (json!(1), json!("TaskRunTimeout"));
        assert_eq!(
            got,
            vec![
                (json!(0), json!("Completed")),
                (json!(0), json!("Skipped")),
                stop(),
                stop(),
                stop(),
            ]
        );
        assert_eq!(status["steps"][4]["terminated"]["reason"], "TaskRunTimeout");
        assert_eq!(status["steps"][2]["terminated"]["startedAt"], "S");
        assert_eq!(status["steps"][2]["terminated"]["finishedAt"], "T");
    }

    #[test]
    fn a_failed_run_keeps_its_cancelled_and_skipped_steps() {
        let mut status = json!({
            "conditions": [{"type": "Succeeded", "status": "False", "reason": "Failed"}],
            "steps": [step("after", Some(json!({"exitCode": 1, "reason": "Skipped"})))],
        });
        upstream_shape(&mut status);
        assert_eq!(status["steps"][0]["terminationReason"], "Skipped");
        assert_eq!(status["steps"][0]["terminated"]["reason"], "Error");
    }
}
