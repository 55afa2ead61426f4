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
///   `Error`. The exit code stays the step's own.
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
    let steps = status.get_mut("steps").and_then(|s| s.as_array_mut());
    for step in steps.into_iter().flatten() {
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
