//! A TaskRun's status in Tekton's v1 shape (`TaskRunStatus`): the runtime's
//! status (conditions with upstream's reasons, podName, start and
//! completion times, steps, sidecars, typed results, retriesStatus) plus
//! the resolved `taskSpec`, as `kubectl get taskrun -o json` shows it.

use serde::Serialize;

use super::model::TaskSpec;
use crate::status::RunStatus;

/// `.status` of a TaskRun.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRunStatus {
    /// What the runtime reported.
    #[serde(flatten)]
    pub run: RunStatus,
    /// The Task spec that ran (after `taskRef` resolution).
    #[serde(serialize_with = "pruned")]
    pub task_spec: TaskSpec,
}

/// Serialises `value` without its nulls, `false`s and empty lists and maps
/// (what Go's `omitempty` leaves out).
pub(crate) fn pruned_spec<T: Serialize, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    pruned(value, serializer)
}

fn pruned<T: Serialize, S: serde::Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
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
