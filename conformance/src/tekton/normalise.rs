//! What of a run's status is compared, and what is dropped as time, identity
//! or echo.
//!
//! Both sides go through the same [`observed`]: the run's `.status` and,
//! for a PipelineRun, each child TaskRun's `.status` keyed by the TaskRun's
//! name. Dropped at any depth: times (`startTime`, `completionTime`,
//! `lastTransitionTime`, a container's `startedAt`/`finishedAt`), identities
//! (`podName`, `uid`, `containerID`, `imageID`, `observedGeneration`,
//! `spanContext`), echoes of the spec (`taskSpec`, `pipelineSpec`,
//! `provenance`) and a terminated container's `message` (the entrypoint's
//! termination message: timestamps, and the results that `results` already
//! shows). Empty values (`null`, `""`, `{}`, `[]`) are dropped, as Go's
//! `omitempty` does. Image digests inside strings become `sha256:<digest>`.
//! The TaskRuns of a matrixed task are put in index order (upstream's order
//! among them is random).
//! Everything else is kept: conditions with reason and message, results,
//! childReferences, skippedTasks with reasons and `when` expressions, each
//! step's name, container, exit code and reason, retriesStatus.

use serde_json::{Map, Value};

/// Keys dropped wherever they appear.
const DROPPED: &[&str] = &[
    "startTime",
    "completionTime",
    "finallyStartTime",
    "lastTransitionTime",
    "startedAt",
    "finishedAt",
    "podName",
    "uid",
    "containerID",
    "imageID",
    "observedGeneration",
    "spanContext",
    "taskSpec",
    "pipelineSpec",
    "provenance",
];

/// The document compared for one case: `{"status": RUN, "taskRuns": {NAME:
/// STATUS}}` (no `taskRuns` for a TaskRun case), normalised.
pub fn observed(status: &Value, task_runs: Option<&Map<String, Value>>) -> Value {
    let mut doc = Map::new();
    doc.insert("status".into(), status.clone());
    if let Some(children) = task_runs {
        doc.insert("taskRuns".into(), Value::Object(children.clone()));
    }
    let mut doc = Value::Object(doc);
    normalise(&mut doc);
    if doc.get("status").is_none() {
        doc["status"] = Value::Object(Map::new());
    }
    doc
}

/// Normalises `value` in place (see the module documentation).
pub fn normalise(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for key in DROPPED {
                map.remove(*key);
            }
            if let Some(Value::Object(terminated)) = map.get_mut("terminated") {
                terminated.remove("message");
            }
            if let Some(Value::Array(children)) = map.get_mut("childReferences") {
                matrix_in_index_order(children);
            }
            for v in map.values_mut() {
                normalise(v);
            }
            map.retain(|_, v| !is_empty(v));
        }
        Value::Array(items) => {
            for v in items.iter_mut() {
                normalise(v);
            }
        }
        Value::String(s) => *s = mask_digests(s),
        _ => {}
    }
}

/// Puts the TaskRuns of each matrixed pipeline task in index order
/// (`<run>-<task>-0`, `-1`...), each task where its first one was. Upstream
/// rebuilds `childReferences` from a Go map on every reconcile and takes a
/// matrixed task's TaskRun order from it: that order is random.
fn matrix_in_index_order(children: &mut [Value]) {
    let task = |c: &Value| {
        c["pipelineTaskName"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let firsts: Vec<String> = children.iter().map(task).collect();
    let index = |c: &Value| {
        let name = c["name"].as_str().unwrap_or_default();
        let suffix = name.rsplit_once('-').map_or("", |(_, s)| s);
        suffix.parse::<usize>().unwrap_or(0)
    };
    children.sort_by_key(|c| {
        let t = task(c);
        let first = firsts.iter().position(|f| *f == t).unwrap_or(0);
        (first, index(c))
    });
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// `sha256:` followed by 64 hex digits becomes `sha256:<digest>`.
fn mask_digests(text: &str) -> String {
    const MARK: &str = "sha256:";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        let (head, tail) = rest.split_at(at + MARK.len());
        out.push_str(head);
        let hex = tail.bytes().take_while(u8::is_ascii_hexdigit).count();
        if hex == 64 {
            out.push_str("<digest>");
            rest = &tail[64..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_matrixed_tasks_children_are_compared_in_index_order() {
        let child = |name: &str, task: &str| json!({"name": name, "pipelineTaskName": task});
        let status = json!({"childReferences": [
            child("pr-build-2", "build"), child("pr-build-10", "build"),
            child("pr-build-0", "build"), child("pr-report", "report")]});
        let doc = observed(&status, None);
        let names: Vec<&str> = doc["status"]["childReferences"]
            .as_array()
            .expect("children")
            .iter()
            .map(|c| c["name"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(
            names,
            ["pr-build-0", "pr-build-2", "pr-build-10", "pr-report"]
        );
    }

    #[test]
    fn times_identities_and_echoes_go_reasons_and_results_stay() {
        let status = json!({
            "conditions": [{"type": "Succeeded", "status": "False", "reason": "Failed",
                            "message": "boom", "lastTransitionTime": "2026-01-01T00:00:00Z",
                            "severity": ""}],
            "podName": "run-pod", "startTime": "t", "completionTime": "t",
            "steps": [{"name": "a", "container": "step-a", "imageID": "x",
                       "terminated": {"exitCode": 1, "reason": "Error", "message": "[{}]",
                                      "startedAt": "t", "finishedAt": "t", "containerID": "c"}}],
            "results": [{"name": "r", "type": "string", "value": "v"}],
            "taskSpec": {"steps": []}, "provenance": {"featureFlags": {}},
            "retriesStatus": [{"podName": "run-pod-retry1", "conditions": [{"type": "Succeeded", "reason": "Failed"}]}]
        });
        let doc = observed(&status, None);
        assert_eq!(
            doc,
            json!({"status": {
                "conditions": [{"type": "Succeeded", "status": "False", "reason": "Failed", "message": "boom"}],
                "steps": [{"name": "a", "container": "step-a", "terminated": {"exitCode": 1, "reason": "Error"}}],
                "results": [{"name": "r", "type": "string", "value": "v"}],
                "retriesStatus": [{"conditions": [{"type": "Succeeded", "reason": "Failed"}]}]
            }})
        );
    }

    #[test]
    fn child_task_runs_are_keyed_by_name_and_normalised_too() {
        let mut children = Map::new();
        children.insert(
            "pr-a".into(),
            json!({"podName": "p", "conditions": [{"type": "Succeeded"}]}),
        );
        let doc = observed(
            &json!({"childReferences": [{"name": "pr-a"}]}),
            Some(&children),
        );
        assert_eq!(
            doc["taskRuns"],
            json!({"pr-a": {"conditions": [{"type": "Succeeded"}]}})
        );
    }

    #[test]
    fn digests_are_masked_and_short_hashes_kept() {
        let digest = "a".repeat(64);
        assert_eq!(
            mask_digests(&format!("image: x@sha256:{digest} and sha256:abc")),
            "image: x@sha256:<digest> and sha256:abc"
        );
    }
}
