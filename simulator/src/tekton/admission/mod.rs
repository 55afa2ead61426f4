//! The variable checks upstream's admission webhook makes when Tekton YAML
//! is applied (`pkg/apis/pipeline/v1` `Validate`), so that what `kubectl
//! apply` would refuse is refused here too, with upstream's message,
//! instead of running with the reference left as literal text.
//!
//! - Every task spec: array params never whole in a string and alone in a
//!   `command`/`args` element, known `$(context.taskRun.*)` and
//!   `$(context.task.*)`, known `$(results.*)` in scripts.
//! - Every `$(params.*)` names a declared param (object keys among its
//!   properties, objects never whole in a step), where upstream knows what
//!   is declared: a Task's own params; a TaskRun's inline spec with the
//!   TaskRun's params; a Pipeline's tasks with the Pipeline's params (its
//!   inline tasks with their own too); a PipelineRun's inline pipeline (its
//!   `tasks`, not `finally`) with every param declared or given anywhere in
//!   the PipelineRun.
//! - Every pipeline spec: known `$(context.pipelineRun|pipeline|pipelineTask.*)`
//!   in the params of its last task (upstream looks at the last one only).

mod declared;
mod documents;
mod steps;

use std::collections::BTreeSet;

pub use documents::check;

use declared::Declared;

use super::model::{Param, ParamValue, PipelineSpec, PipelineTask};
use crate::validate::Problem;
use declared::unknown;

/// Whose params a pipeline's `$(params.*)` are checked against.
#[derive(Debug, Clone, Copy)]
enum Usage<'a> {
    /// A Pipeline document: its own params (and an inline task's).
    Applied,
    /// A PipelineRun's inline spec: everything the run declares or gives
    /// (its `tasks` only, as upstream).
    Inline(&'a Declared),
}

/// A Pipeline spec at `at`.
fn pipeline_spec(spec: &PipelineSpec, at: &str, usage: Usage, problems: &mut Vec<Problem>) {
    let sections = [("tasks", &spec.tasks), ("finally", &spec.finally)];
    for (section, tasks) in sections {
        let declared = match usage {
            Usage::Applied => Some(Declared::of_specs(&spec.params)),
            Usage::Inline(all) if section == "tasks" => Some(all.clone()),
            Usage::Inline(_) => None,
        };
        for (i, task) in tasks.iter().enumerate() {
            let here = format!("{at}.{section}[{i}]");
            if let Some(declared) = &declared {
                task_params(task, declared, &here, problems);
            }
            if let Some(embedded) = task.task_spec.as_ref().filter(|e| e.kind.is_none()) {
                let at = format!("{here}.taskSpec");
                steps::task_spec(&embedded.task, &at, declared.as_ref(), problems);
            }
        }
        if let Some((i, last)) = tasks.iter().enumerate().next_back() {
            pipeline_context(last, &format!("{at}.{section}[{i}]"), problems);
        }
    }
}

/// Every param, matrix param and matrix include param of `task`, with its path.
fn all_params<'a>(task: &'a PipelineTask, at: &str) -> Vec<(String, &'a Param)> {
    let mut all: Vec<(String, &Param)> = task
        .params
        .iter()
        .map(|p| (format!("{at}.params[{}]", p.name), p))
        .collect();
    if let Some(matrix) = &task.matrix {
        let params = matrix.params.iter();
        all.extend(params.map(|p| (format!("{at}.matrix.params[{}]", p.name), p)));
        for (k, include) in matrix.include.iter().enumerate() {
            let params = include.params.iter();
            all.extend(params.map(|p| (format!("{at}.matrix.include[{k}].params[{}]", p.name), p)));
        }
    }
    all
}

fn pipeline_context(task: &PipelineTask, at: &str, problems: &mut Vec<Problem>) {
    let contexts: [(&str, BTreeSet<&str>); 3] = [
        ("context.pipelineRun", ["name", "namespace", "uid"].into()),
        ("context.pipeline", ["name"].into()),
        ("context.pipelineTask", ["retries"].into()),
    ];
    for (path, param) in all_params(task, at) {
        let texts: Vec<&String> = match &param.value {
            ParamValue::String(s) => vec![s],
            ParamValue::Array(items) => items.iter().collect(),
            ParamValue::Object(map) => map.values().collect(),
        };
        for text in texts {
            for (prefix, known) in &contexts {
                if let Some(message) = unknown(text, prefix, known) {
                    problems.push(Problem {
                        path: format!("{path}.value"),
                        message,
                    });
                }
            }
        }
    }
}

/// A pipeline task's params, matrix and `when` against `declared`.
fn task_params(task: &PipelineTask, declared: &Declared, at: &str, problems: &mut Vec<Problem>) {
    let mut push = |path: String, found: Vec<String>| {
        problems.extend(found.into_iter().map(|message| Problem {
            path: path.clone(),
            message,
        }));
    };
    for (path, param) in all_params(task, at) {
        match &param.value {
            ParamValue::String(text) if Declared::is_handed_on_whole(text) => {
                push(
                    path,
                    unknown(text, "params", declared.names())
                        .into_iter()
                        .collect(),
                );
            }
            ParamValue::String(text) => push(path, declared.check(text, false)),
            ParamValue::Array(items) => {
                for (k, item) in items.iter().enumerate() {
                    push(format!("{path}.value[{k}]"), declared.check(item, true));
                }
            }
            ParamValue::Object(map) => {
                for (key, value) in map {
                    let path = format!("{path}.properties[{key}]");
                    push(path, declared.check(value, false));
                }
            }
        }
    }
    for (i, when) in task.when.iter().enumerate() {
        if let Some(input) = &when.input {
            push(
                format!("{at}.when[{i}].input"),
                declared.check(input, false),
            );
        }
        for value in &when.values {
            let name = value
                .strip_prefix("$(params.")
                .and_then(|v| v.strip_suffix("[*])"))
                .unwrap_or("");
            let array = declared.is_array(name);
            push(
                format!("{at}.when[{i}].values"),
                declared.check(value, array),
            );
        }
    }
}
