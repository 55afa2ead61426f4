//! The parameter check upstream's controller makes of every pipeline task
//! before a PipelineRun starts (`ValidateResolvedTask`), and again of each
//! TaskRun it creates: every param the Task declares without a default is
//! given (by the pipeline task or its matrix), and every given param has
//! the declared type. A PipelineRun failing it ends at once as
//! `PipelineValidationFailed` with nothing run; a TaskRun failing it (the
//! extra TaskRun of an upstream matrix miscount) as `TaskRunValidationFailed`.

use super::{PipelinePlan, Runs};
use crate::status::{Condition, RunStatus};
use crate::tekton::model::{Param, ParamValue, PipelineTask, TaskSpec};

/// Upstream's reason for a PipelineRun that fails the check.
pub const PIPELINE_INVALID: &str = "PipelineValidationFailed";
/// Upstream's reason for a TaskRun that fails it.
pub const TASK_RUN_INVALID: &str = "TaskRunValidationFailed";

/// Upstream's reason for a PipelineRun indexing an array param past its end.
pub const ARRAY_INDEX_INVALID: &str = "ParamArrayIndexingInvalid";

/// Why `plan` fails before anything runs, as upstream's reconciler checks
/// it: reason and message of its condition. First `$(params.a[N])` within
/// each array's length, then every pipeline task's params against its Task.
pub fn pipeline_run(plan: &PipelinePlan) -> Option<(&'static str, String)> {
    if let Some(references) = out_of_bounds(plan) {
        let ns = &plan.namespace;
        return Some((
            ARRAY_INDEX_INVALID,
            format!(
                "[User error] PipelineRun {ns}/{} failed validation: failed to validate Pipeline {ns}/{}'s parameter which has an invalid index while referring to an array: non-existent param references:[{}]",
                plan.name,
                plan.pipeline_name,
                references.join(" ")
            ),
        ));
    }
    task_params(plan).map(|message| (PIPELINE_INVALID, message))
}

/// The `$(params.a[N])` references of the pipeline tasks' params, matrix
/// params, workspace subPaths and `when` whose N is past the array's end
/// (upstream's `ValidateParamArrayIndex`), sorted; `None` when all fit.
fn out_of_bounds(plan: &PipelinePlan) -> Option<Vec<String>> {
    let mut texts: Vec<&str> = Vec::new();
    for task in plan.spec.tasks.iter().chain(&plan.spec.finally) {
        let matrix = task.matrix.iter().flat_map(|m| m.params.iter());
        for param in task.params.iter().chain(matrix) {
            match &param.value {
                ParamValue::String(s) => texts.push(s),
                ParamValue::Array(items) => texts.extend(items.iter().map(String::as_str)),
                ParamValue::Object(map) => texts.extend(map.values().map(String::as_str)),
            }
        }
        texts.extend(task.workspaces.iter().filter_map(|w| w.sub_path.as_deref()));
        for when in &task.when {
            texts.extend(when.input.as_deref());
            texts.extend(when.values.iter().map(String::as_str));
        }
    }
    let mut found = std::collections::BTreeSet::new();
    for text in texts {
        for (reference, name, index) in indexed_references(text) {
            let length = match plan.params.0.get(&format!("params.{name}")) {
                Some(ParamValue::Array(items)) => items.len(),
                _ => continue,
            };
            if index >= length {
                found.insert(reference.to_string());
            }
        }
    }
    (!found.is_empty()).then(|| found.into_iter().collect())
}

/// Every `$(params.NAME[N])` (or `$(params['NAME'][N])`) in `text`: the
/// reference, the param (a dotted name's first part) and N. Upstream's own
/// pattern for these (`paramIndexing`), apart from `tekton::variables`:
/// an index after a bracketed name is no `$(params['NAME'])` reference.
fn indexed_references(text: &str) -> Vec<(&str, &str, usize)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("$(params").map(|i| from + i) {
        from = at + 1;
        let rest = &text[at + "$(params".len()..];
        let (name, after) = if let Some(dotted) = rest.strip_prefix('.') {
            let end = dotted
                .find(|c: char| !(c.is_ascii_alphanumeric() || "_.-".contains(c)))
                .unwrap_or(dotted.len());
            let name = &dotted[..end];
            (name.split('.').next().unwrap_or(name), &dotted[end..])
        } else if let Some(quoted) = rest.strip_prefix("['").or_else(|| rest.strip_prefix("[\"")) {
            let close = if rest.starts_with("['") { "']" } else { "\"]" };
            let Some(end) = quoted.find(close) else {
                continue;
            };
            (&quoted[..end], &quoted[end + close.len()..])
        } else {
            continue;
        };
        let Some(index) = after.strip_prefix('[') else {
            continue;
        };
        let digits = index.len() - index.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 || !index[digits..].starts_with("])") {
            continue;
        }
        let Ok(n) = index[..digits].parse::<usize>() else {
            continue;
        };
        let end = text.len() - index[digits..].len() + 2;
        found.push((&text[at..end], name, n));
    }
    found
}

/// The message of the first pipeline task (DAG, then finally) whose params
/// do not fit its Task, worded as upstream's PipelineRun condition.
fn task_params(plan: &PipelinePlan) -> Option<String> {
    let vars = super::vars::task_vars(plan, &Default::default());
    let tasks = plan.spec.tasks.iter().zip(&plan.tasks);
    let finally = plan.spec.finally.iter().zip(&plan.finally);
    tasks.chain(finally).find_map(|(task, runs)| {
        let Runs::Task(spec, name) = runs else {
            return None;
        };
        // Upstream names the Task only when the pipeline task refers to one.
        let task_name = if task.task_ref.is_some() { name } else { "" };
        let matrix = task.matrix.iter().flat_map(|m| {
            m.params
                .iter()
                .chain(m.include.iter().flat_map(|i| i.params.iter()))
        });
        let given = super::child::substituted(&task.params, &vars);
        let problem = params(spec, &given, &matrix.collect::<Vec<_>>())?;
        Some(format!(
            "[User error] Validation failed for pipelinerun {} with error invalid input params for task {task_name}: {problem}",
            plan.name
        ))
    })
}

/// The status of TaskRun `name` (of `task`, with `given` params) when its
/// params do not fit its Task: upstream's `TaskRunValidationFailed`.
pub fn task_run(
    task: &PipelineTask,
    runs: &Runs,
    name: &str,
    given: &[Param],
) -> Option<RunStatus> {
    let Runs::Task(spec, task_name) = runs else {
        return None;
    };
    let problem = params(spec, given, &[])?;
    let task_name = if task.task_ref.is_some() {
        task_name
    } else {
        name
    };
    Some(RunStatus {
        conditions: vec![Condition {
            kind: "Succeeded".into(),
            status: "False".into(),
            reason: TASK_RUN_INVALID.into(),
            message: format!("[User error] invalid input params for task {task_name}: {problem}"),
            last_transition_time: Some(crate::status::timestamp(std::time::SystemTime::now())),
        }],
        ..RunStatus::default()
    })
}

/// What upstream's `validateParams` finds wrong with `given` and `matrix`
/// params for `spec`, in its words; `None` when they fit.
fn params(spec: &TaskSpec, given: &[Param], matrix: &[&Param]) -> Option<String> {
    let provided =
        |name: &str| given.iter().any(|p| p.name == name) || matrix.iter().any(|p| p.name == name);
    let missing: Vec<&str> = spec
        .params
        .iter()
        .filter(|d| d.default.is_none() && !provided(&d.name))
        .map(|d| d.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Some(format!(
            "missing values for these params which have no default values: [{}]",
            missing.join(" ")
        ));
    }
    let declared = |name: &str| {
        spec.params
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.kind.as_deref().unwrap_or("string"))
    };
    let mut wrong: Vec<&str> = Vec::new();
    for p in given {
        let Some(want) = declared(&p.name) else {
            continue;
        };
        // A reference left for the run to resolve may still become an
        // array or object (`$(tasks.t.results.r[*])`).
        let pending = matches!(&p.value, ParamValue::String(s) if s.contains("$("));
        if p.value.kind() != want && !(pending && want != "string") {
            wrong.push(&p.name);
        }
    }
    for p in matrix {
        if declared(&p.name).is_some_and(|want| want != "string") {
            wrong.push(&p.name);
        }
    }
    (!wrong.is_empty()).then(|| {
        format!(
            "param types don't match the user-specified type: [{}]",
            wrong.join(" ")
        )
    })
}
