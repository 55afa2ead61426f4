//! Fields only `tekton.dev/v1beta1` has. podsim's model reads them (under
//! serde aliases) so that v1beta1 documents convert as upstream converts
//! them; in a `tekton.dev/v1` document they are errors, as upstream's v1
//! types have no such field, each naming the v1 spelling.

use serde_norway::Value;

/// Keys renamed in v1 wherever they appear: (v1beta1, v1).
const RENAMED: [(&str, &str); 4] = [
    ("stepOverrides", "stepSpecs"),
    ("sidecarOverrides", "sidecarSpecs"),
    ("taskServiceAccountName", "serviceAccountName"),
    ("taskPodTemplate", "podTemplate"),
];

/// Keys of a v1beta1 PipelineRun's spec that v1 moved: (v1beta1, v1).
const PIPELINE_RUN_MOVED: [(&str, &str); 3] = [
    ("timeout", "timeouts.pipeline"),
    ("serviceAccountName", "taskRunTemplate.serviceAccountName"),
    ("podTemplate", "taskRunTemplate.podTemplate"),
];

/// Lists whose entries are containers, where v1beta1's `resources` is v1's
/// `computeResources`.
const CONTAINERS: [&str; 6] = [
    "steps",
    "sidecars",
    "stepSpecs",
    "sidecarSpecs",
    "stepOverrides",
    "sidecarOverrides",
];

/// The v1beta1-only fields of a `tekton.dev/v1` document of `kind`: each
/// problem as `PATH: MESSAGE`.
pub fn v1beta1_fields(kind: &str, document: &Value) -> Vec<String> {
    let mut found = Vec::new();
    if kind == "PipelineRun" {
        if let Some(spec) = document.get("spec") {
            for (old, new) in PIPELINE_RUN_MOVED {
                if spec.get(old).is_some() {
                    found.push(message(&format!("spec.{old}"), &format!("spec.{new}")));
                }
            }
        }
    }
    walk(document, "", false, &mut found);
    found
}

fn message(path: &str, v1: &str) -> String {
    format!("{path}: a tekton.dev/v1beta1 field; tekton.dev/v1 spells it {v1}")
}

/// `container`: `value` is an entry of one of [`CONTAINERS`] (or a stepTemplate).
fn walk(value: &Value, at: &str, container: bool, found: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            for (key, child) in map {
                let Some(key) = key.as_str() else { continue };
                let path = if at.is_empty() {
                    key.to_string()
                } else {
                    format!("{at}.{key}")
                };
                if let Some((_, new)) = RENAMED.iter().find(|(old, _)| *old == key) {
                    found.push(message(&path, &format!("{at}.{new}")));
                }
                if container && key == "resources" {
                    found.push(message(&path, &format!("{at}.computeResources")));
                }
                match child {
                    Value::Sequence(items) if CONTAINERS.contains(&key) => {
                        for (i, item) in items.iter().enumerate() {
                            walk(item, &format!("{path}[{i}]"), true, found);
                        }
                    }
                    _ => walk(child, &path, key == "stepTemplate", found),
                }
            }
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{at}[{i}]"), false, found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(kind: &str, yaml: &str) -> Vec<String> {
        v1beta1_fields(kind, &serde_norway::from_str(yaml).expect("YAML"))
    }

    #[test]
    fn moved_and_renamed_fields_name_their_v1_spelling() {
        let found = fields(
            "PipelineRun",
            "spec:\n  timeout: 1h\n  serviceAccountName: sa\n  taskRunSpecs:\n    - {pipelineTaskName: a, taskPodTemplate: {}}\n",
        );
        assert_eq!(
            found,
            [
                "spec.timeout: a tekton.dev/v1beta1 field; tekton.dev/v1 spells it spec.timeouts.pipeline",
                "spec.serviceAccountName: a tekton.dev/v1beta1 field; tekton.dev/v1 spells it spec.taskRunTemplate.serviceAccountName",
                "spec.taskRunSpecs[0].taskPodTemplate: a tekton.dev/v1beta1 field; tekton.dev/v1 spells it spec.taskRunSpecs[0].podTemplate",
            ]
        );
    }

    #[test]
    fn resources_is_refused_in_containers_only() {
        let found = fields(
            "Task",
            "spec:\n  stepTemplate: {resources: {}}\n  steps:\n    - {name: a, resources: {}}\n  volumes:\n    - name: v\n      ephemeral: {volumeClaimTemplate: {spec: {resources: {}}}}\n",
        );
        assert_eq!(
            found,
            [
                "spec.stepTemplate.resources: a tekton.dev/v1beta1 field; tekton.dev/v1 spells it spec.stepTemplate.computeResources",
                "spec.steps[0].resources: a tekton.dev/v1beta1 field; tekton.dev/v1 spells it spec.steps[0].computeResources",
            ]
        );
        assert!(
            fields("TaskRun", "spec:\n  timeout: 1h\n").is_empty(),
            "v1 TaskRuns have timeout"
        );
    }
}
