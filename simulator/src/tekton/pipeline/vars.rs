//! The variables a pipeline task sees (`params.*`, `context.*`,
//! `tasks.<t>.results.*`, and in finally `tasks.status`), and `when`.

use std::collections::BTreeMap;

use entrypoint::when::evaluate_cel;

use super::run::Phase;
use super::{substitute_value, PipelinePlan};
use crate::status::ResultValue;
use crate::tekton::model::{ParamValue, PipelineTask, When};
use crate::tekton::substitute::Vars;

/// `params.*`, `context.*` and the results of the tasks that ended.
pub fn task_vars(plan: &PipelinePlan, results: &BTreeMap<String, Vec<ResultValue>>) -> Vars {
    let mut vars = plan.params.clone();
    vars.set("context.pipelineRun.name", plan.name.clone());
    vars.set("context.pipelineRun.namespace", plan.namespace.clone());
    vars.set("context.pipelineRun.uid", plan.uid.clone());
    vars.set("context.pipeline.name", plan.pipeline_name.clone());
    for (task, values) in results {
        for r in values {
            let value = match serde_json::from_value::<ParamValue>(r.value.clone()) {
                Ok(v) => v,
                Err(_) => ParamValue::String(r.value.to_string()),
            };
            vars.0
                .insert(format!("tasks.{task}.results.{}", r.name), value);
        }
    }
    vars
}

/// [`task_vars`] plus `$(tasks.status)` and `$(tasks.<t>.status)`.
pub(super) fn finally_vars(
    plan: &PipelinePlan,
    phases: &[Phase],
    results: &BTreeMap<String, Vec<ResultValue>>,
) -> Vars {
    let mut vars = task_vars(plan, results);
    for (task, phase) in plan.spec.tasks.iter().zip(phases) {
        let status = match phase {
            Phase::Succeeded => "Succeeded",
            Phase::Failed | Phase::FailureIgnored | Phase::Cancelled => "Failed",
            _ => "None",
        };
        vars.set(format!("tasks.{}.status", task.name), status);
    }
    let any_failed = phases
        .iter()
        .any(|p| matches!(p, Phase::Failed | Phase::FailureIgnored | Phase::Cancelled));
    let any_skipped = phases
        .iter()
        .any(|p| matches!(p, Phase::Skipped | Phase::Pending));
    let aggregate = if any_failed {
        "Failed"
    } else if any_skipped {
        "Completed"
    } else {
        "Succeeded"
    };
    vars.set("tasks.status", aggregate);
    vars
}

/// `Some(reason)` when a param or `when` of `task` refers to a result no task produced.
pub(super) fn missing_results(task: &PipelineTask, vars: &Vars) -> Option<&'static str> {
    let mut texts: Vec<String> = Vec::new();
    for p in &task.params {
        if let ParamValue::String(s) = substitute_value(&p.value, vars) {
            texts.push(s);
        }
        if let ParamValue::Array(items) = substitute_value(&p.value, vars) {
            texts.extend(items);
        }
    }
    for w in &task.when {
        texts.extend(w.input.iter().map(|i| vars.apply(i)));
        texts.extend(w.cel.iter().map(|c| vars.apply(c)));
    }
    texts
        .iter()
        .any(|t| t.contains("$(tasks."))
        .then_some("Results were missing")
}

/// What a task's `when` decides.
#[derive(Debug)]
pub(super) enum Guard {
    /// Every expression holds: the task runs.
    Run,
    /// One does not: the task is skipped; the substituted expressions.
    Skip(Vec<When>),
    /// A CEL expression failed to evaluate or is not a boolean: upstream
    /// fails the PipelineRun (`CELEvaluationFailed`); why.
    CelFailed(String),
}

/// Substitutes `vars` into `whens` and evaluates them: input/operator/values
/// as upstream's `in`/`notin`, CEL with no variables declared (admission
/// checked the feature flag and that it compiles).
pub(super) fn guard(task: &str, whens: &[When], vars: &Vars) -> Guard {
    let substituted: Vec<When> = whens.iter().map(|w| vars.apply_when(w)).collect();
    let mut holds = true;
    for (i, w) in substituted.iter().enumerate() {
        if let Some(cel) = w.cel.as_deref().filter(|c| !c.is_empty()) {
            match evaluate_cel(i, cel) {
                Ok(b) => holds &= b,
                Err(e) => return Guard::CelFailed(format!("pipeline task {task:?}: {e}")),
            }
            continue;
        }
        let input = w.input.clone().unwrap_or_default();
        let found = w.values.contains(&input);
        holds &= match w.operator.as_deref() {
            Some("notin") => !found,
            _ => found,
        };
    }
    if holds {
        Guard::Run
    } else {
        Guard::Skip(substituted)
    }
}
