//! What a PipelineRun sets on its child TaskRuns: `taskRunTemplate` for all
//! of them and `taskRunSpecs[]` for one pipeline task each, combined as
//! upstream's `GetTaskRunSpec` does (the task's entry wins; pod templates
//! merge, env by name).

use std::collections::BTreeMap;

use crate::tekton::model::{ContainerSpec, PipelineRunSpec, PipelineTaskRunSpec, PodTemplate};

/// The TaskRun fields one pipeline task's TaskRun gets from its PipelineRun.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChildSpec {
    /// `serviceAccountName` (the task's entry, else the template's).
    pub service_account_name: Option<String>,
    /// The pod template: the task's entry merged over the template's.
    pub pod_template: Option<PodTemplate>,
    /// The task's `stepSpecs`.
    pub step_specs: Vec<ContainerSpec>,
    /// The task's `sidecarSpecs`.
    pub sidecar_specs: Vec<ContainerSpec>,
    /// The task's `computeResources`.
    pub compute_resources: Option<serde_json::Value>,
    /// Labels from the task's `metadata` (they win over the pipeline's).
    pub labels: BTreeMap<String, String>,
    /// Annotations from the task's `metadata`.
    pub annotations: BTreeMap<String, String>,
}

/// The [`ChildSpec`] of pipeline task `task` under `run`.
pub fn child_spec(run: &PipelineRunSpec, task: &str) -> ChildSpec {
    let template = run.task_run_template.clone().unwrap_or_default();
    let mut out = ChildSpec {
        service_account_name: template
            .service_account_name
            .or_else(|| run.service_account_name.clone()),
        pod_template: template.pod_template.or_else(|| run.pod_template.clone()),
        ..ChildSpec::default()
    };
    for entry in run
        .task_run_specs
        .iter()
        .filter(|s| s.pipeline_task_name == task)
    {
        apply(&mut out, entry);
    }
    out
}

fn apply(out: &mut ChildSpec, entry: &PipelineTaskRunSpec) {
    out.pod_template = match (entry.pod_template.clone(), out.pod_template.take()) {
        (Some(own), Some(default)) => Some(merge(own, default)),
        (own, default) => own.or(default),
    };
    if let Some(sa) = entry.service_account_name.clone().filter(|s| !s.is_empty()) {
        out.service_account_name = Some(sa);
    }
    out.step_specs = entry.step_specs.clone();
    out.sidecar_specs = entry.sidecar_specs.clone();
    out.compute_resources = entry.compute_resources.clone();
    if let Some(meta) = &entry.metadata {
        out.labels = meta.labels.clone();
        out.annotations = meta.annotations.clone();
    }
}

/// `own` over `default`: fields `own` leaves unset come from `default`; env
/// is `own`'s, then `default`'s names `own` does not set.
fn merge(mut own: PodTemplate, default: PodTemplate) -> PodTemplate {
    let extra: Vec<_> = default
        .env
        .into_iter()
        .filter(|e| !own.env.iter().any(|o| o.name == e.name))
        .collect();
    own.env.extend(extra);
    own.security_context = own.security_context.or(default.security_context);
    own.node_selector = own.node_selector.or(default.node_selector);
    own
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> PipelineRunSpec {
        serde_norway::from_str(yaml).expect("a PipelineRun spec")
    }

    #[test]
    fn the_template_applies_to_every_task_and_an_entry_wins_for_its_own() {
        let run = spec(
            "taskRunTemplate:\n  serviceAccountName: all\n  podTemplate:\n    env: [{name: A, value: template}, {name: B, value: template}]\n    nodeSelector: {disk: ssd}\ntaskRunSpecs:\n  - pipelineTaskName: build\n    serviceAccountName: builder\n    podTemplate:\n      env: [{name: A, value: build}]\n    stepSpecs: [{name: compile, computeResources: {limits: {cpu: '2'}}}]\n    metadata:\n      labels: {tier: heavy}\n",
        );
        let other = child_spec(&run, "test");
        assert_eq!(other.service_account_name.as_deref(), Some("all"));
        assert_eq!(other.pod_template.as_ref().map(|t| t.env.len()), Some(2));
        assert!(other.step_specs.is_empty() && other.labels.is_empty());

        let build = child_spec(&run, "build");
        assert_eq!(build.service_account_name.as_deref(), Some("builder"));
        let template = build.pod_template.expect("a merged pod template");
        let env: Vec<(&str, &str)> = template
            .env
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(env, [("A", "build"), ("B", "template")]);
        assert!(template.node_selector.is_some());
        assert_eq!(build.step_specs[0].name, "compile");
        assert_eq!(build.labels["tier"], "heavy");
    }

    #[test]
    fn v1beta1_fields_fill_the_template() {
        let run = spec(
            "serviceAccountName: old\npodTemplate:\n  env: [{name: A, value: a}]\ntaskRunSpecs:\n  - pipelineTaskName: t\n    taskServiceAccountName: t-sa\n    taskPodTemplate:\n      env: [{name: B, value: b}]\n",
        );
        let t = child_spec(&run, "t");
        assert_eq!(t.service_account_name.as_deref(), Some("t-sa"));
        assert_eq!(t.pod_template.map(|p| p.env.len()), Some(2));
        assert_eq!(
            child_spec(&run, "u").service_account_name.as_deref(),
            Some("old")
        );
    }
}
