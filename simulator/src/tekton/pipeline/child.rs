//! What a pipeline task becomes: its TaskRun (params substituted,
//! workspaces mapped to the pipeline's, context set), its child reference,
//! its skipped-task entry.

use std::collections::BTreeMap;

use super::status::{ChildReference, SkippedTask};
use super::taskrunspec::ChildSpec;
use super::{substitute_value, PipelinePlan, Runs};
use crate::render::RenderOptions;
use crate::tekton::image::ImageCommands;
use crate::tekton::model::{
    Meta, Param, ParamValue, PipelineTask, TaskRun, TaskRunSpec, When, WorkspaceBinding,
};
use crate::tekton::substitute::Vars;
use crate::tekton::taskrun::{prepare, Context, Prepared};

/// The TaskRun pipeline task `task` becomes with `vars` (params substituted,
/// workspaces mapped to the pipeline's, context set), prepared for the
/// runtime. Fails with the problems found (a custom task is an error here).
pub fn task_run_for(
    plan: &PipelinePlan,
    task: &PipelineTask,
    runs: &Runs,
    vars: &Vars,
    images: &ImageCommands,
    render: &RenderOptions,
) -> Result<Prepared, String> {
    let name = format!("{}-{}", plan.name, task.name);
    task_run_named(plan, task, runs, vars, images, render, name)
}

/// [`task_run_for`] with the TaskRun named `name` (a matrix combination's).
pub fn task_run_named(
    plan: &PipelinePlan,
    task: &PipelineTask,
    runs: &Runs,
    vars: &Vars,
    images: &ImageCommands,
    render: &RenderOptions,
    name: String,
) -> Result<Prepared, String> {
    let Runs::Task(spec, task_name) = runs else {
        return Err("a custom task has no Pod".to_string());
    };
    let params = substituted(&task.params, vars);
    let mut context = Context {
        images: images.clone(),
        features: plan.features.clone(),
        ..Context::default()
    };
    let mut workspaces = Vec::new();
    for w in &task.workspaces {
        let source = w.workspace.clone().unwrap_or_else(|| w.name.clone());
        if !plan.bound.contains(&source) {
            continue;
        }
        if let Some(dir) = plan.shared.get(&source) {
            context.workspace_dirs.insert(w.name.clone(), dir.clone());
        }
        workspaces.push(WorkspaceBinding {
            name: w.name.clone(),
            sub_path: w.sub_path.clone(),
            empty_dir: Some(serde_json::json!({})),
            ..WorkspaceBinding::default()
        });
    }
    for (key, value) in [
        ("context.pipelineRun.name", plan.name.clone()),
        ("context.pipelineRun.namespace", plan.namespace.clone()),
        ("context.pipelineRun.uid", plan.uid.clone()),
        ("context.pipeline.name", plan.pipeline_name.clone()),
        ("context.pipelineTask.retries", task.retries.to_string()),
    ] {
        context.extra.insert(key.to_string(), value);
    }
    let from_run = plan
        .child_specs
        .get(&task.name)
        .cloned()
        .unwrap_or_default();
    let run = TaskRun {
        api_version: "tekton.dev/v1".into(),
        kind: "TaskRun".into(),
        metadata: Meta {
            name: Some(name),
            namespace: Some(plan.namespace.clone()),
            labels: labels(plan, task, &from_run),
            annotations: annotations(plan, task, &from_run),
            ..Meta::default()
        },
        spec: TaskRunSpec {
            service_account_name: from_run.service_account_name,
            pod_template: from_run.pod_template,
            step_specs: from_run.step_specs,
            sidecar_specs: from_run.sidecar_specs,
            compute_resources: from_run.compute_resources,
            // The reference stays, as on upstream's child TaskRun: it decides
            // the Pod's `tekton.dev/task` label.
            task_ref: task.task_ref.clone(),
            task_spec: Some((**spec).clone()),
            params,
            workspaces,
            timeout: task.timeout.clone(),
            retries: task.retries,
            ..TaskRunSpec::default()
        },
        status: None,
    };
    prepare(&run, spec, task_name, &context, render).map_err(|p| p.to_string())
}

/// A child TaskRun's labels, by upstream's precedence (the first to set a
/// key wins): the `taskRunSpecs` entry's, the PipelineRun's own and the
/// pipeline ones, then the embedded taskSpec's `metadata`.
fn labels(
    plan: &PipelinePlan,
    task: &PipelineTask,
    from_run: &ChildSpec,
) -> BTreeMap<String, String> {
    let member_of = if plan.spec.finally.iter().any(|f| f.name == task.name) {
        "finally"
    } else {
        "tasks"
    };
    let mut pipeline: BTreeMap<String, String> = plan.metadata.labels.clone();
    pipeline.extend(
        [
            ("tekton.dev/pipeline", plan.pipeline_name.as_str()),
            ("tekton.dev/pipelineRun", plan.name.as_str()),
            ("tekton.dev/pipelineRunUID", plan.uid.as_str()),
            ("tekton.dev/pipelineTask", task.name.as_str()),
            ("tekton.dev/memberOf", member_of),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    by_precedence([&from_run.labels, &pipeline, &embedded(task, "labels")])
}

/// A child TaskRun's annotations, with the same precedence as its labels.
fn annotations(
    plan: &PipelinePlan,
    task: &PipelineTask,
    from_run: &ChildSpec,
) -> BTreeMap<String, String> {
    let mut run = plan.metadata.annotations.clone();
    run.remove("kubectl.kubernetes.io/last-applied-configuration");
    by_precedence([&from_run.annotations, &run, &embedded(task, "annotations")])
}

/// `metadata.<field>` of the task's embedded taskSpec.
fn embedded(task: &PipelineTask, field: &str) -> BTreeMap<String, String> {
    task.task_spec
        .as_ref()
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.get(field))
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

fn by_precedence<const N: usize>(maps: [&BTreeMap<String, String>; N]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for map in maps {
        for (k, v) in map {
            out.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    out
}

pub(super) fn skip(task: &PipelineTask, reason: &str, whens: Vec<When>) -> SkippedTask {
    SkippedTask {
        name: task.name.clone(),
        reason: reason.to_string(),
        when_expressions: whens,
    }
}

pub(super) fn child(
    plan: &PipelinePlan,
    task: &PipelineTask,
    runs: &Runs,
    vars: &Vars,
) -> ChildReference {
    let name = format!("{}-{}", plan.name, task.name);
    child_named(task, runs, name, vars, &substituted(&task.params, vars))
}

/// `params` with `vars` substituted into their values.
pub(super) fn substituted(params: &[Param], vars: &Vars) -> Vec<Param> {
    params
        .iter()
        .map(|p| Param {
            name: p.name.clone(),
            value: substitute_value(&p.value, vars),
        })
        .collect()
}

/// The child reference of a run named `name` of `task`, whose params are
/// `params` (substituted). Like upstream, it carries the task's `when`
/// expressions, substituted with `vars`, and its [`display_name`].
pub(super) fn child_named(
    task: &PipelineTask,
    runs: &Runs,
    name: String,
    vars: &Vars,
    params: &[Param],
) -> ChildReference {
    ChildReference {
        api_version: match runs {
            Runs::Task(..) => "tekton.dev/v1".into(),
            Runs::Custom { .. } => crate::customrun::model::API_VERSION.into(),
        },
        kind: match runs {
            Runs::Task(..) => "TaskRun".into(),
            Runs::Custom { .. } => "CustomRun".into(),
        },
        name,
        pipeline_task_name: task.name.clone(),
        when_expressions: task.when.iter().map(|w| vars.apply_when(w)).collect(),
        display_name: display_name(task, params, vars),
    }
}

/// Upstream's `displayName` of a child whose params are `params`: the
/// pipeline task's `displayName`; for a matrixed task, the names of the
/// `include` entries whose every param the child has with that value,
/// joined by spaces, instead when there are any. Both are substituted with
/// the pipeline's `vars`, then with the child's string params.
fn display_name(task: &PipelineTask, params: &[Param], vars: &Vars) -> Option<String> {
    let mut own = Vars::default();
    for p in params
        .iter()
        .filter(|p| matches!(p.value, ParamValue::String(_)))
    {
        own.param(&p.name, p.value.clone());
    }
    let has = |p: &Param| {
        let value = substitute_value(&p.value, vars);
        params.iter().any(|q| q.name == p.name && q.value == value)
    };
    let included: Vec<String> = task
        .matrix
        .iter()
        .flat_map(|m| &m.include)
        .filter(|i| i.params.iter().all(has))
        .filter_map(|i| i.name.as_deref().filter(|n| !n.is_empty()))
        .map(|n| own.apply(&vars.apply(n)))
        .collect();
    if !included.is_empty() {
        return Some(included.join(" ").trim().to_string());
    }
    let own_name = task.display_name.as_deref().filter(|n| !n.is_empty())?;
    Some(own.apply(&vars.apply(own_name)))
}
