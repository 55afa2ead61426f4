//! `podsim validate` checks what upstream's admission checks, not what a
//! run needs: what only a run supplies gets a stand-in, and a note names it
//! instead of failing the check (`podsim run` still requires all of it):
//! - a lone Task or Pipeline (no TaskRun or PipelineRun among the files):
//!   values for params without a default, required workspaces;
//! - a lone Pipeline's `taskRef`s that no document defines: stand-in Tasks;
//! - a run's workspaces bound to volumes podsim cannot fill (configMap,
//!   secret): a placeholder directory.
//!
//! Image-only steps without a known command are the fourth case
//! (`ImageCommands::unknown_is_a_note`). Placeholder directories are never
//! written: validation runs nothing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::model::{ParamSpec, ParamValue, Pipeline, Task};
use super::resolve::{Document, Documents};
use super::variables;

/// Every stand-in for `documents` (the first `given` from the files, the
/// rest from `-f`): placeholders added to `params` and `dirs`, stand-in
/// Tasks to `documents`; the notes to print.
pub fn stand_ins(
    documents: &mut Documents,
    given: usize,
    params: &mut Vec<(String, ParamValue)>,
    dirs: &mut BTreeMap<String, PathBuf>,
) -> Vec<String> {
    // Only the files given hold the lone definition, not -f directories.
    let files = Documents(documents.0[..given].to_vec(), Vec::new());
    let mut notes = Vec::new();
    let lone = lone(&files);
    notes.extend(lone.and_then(|l| stand_in(l, params, dirs).hint()));
    if let Some(Lone::Pipeline(pipeline)) = lone {
        let (tasks, missing) = stand_in_tasks(pipeline, documents);
        if !missing.is_empty() {
            notes.push(format!(
                "the Pipeline names Tasks no file defines ({}); checked against stand-ins, a run needs them (-f DIR)",
                missing.join(", ")
            ));
        }
        documents.0.extend(tasks);
    }
    let volumes = stand_in_volumes(&files, dirs);
    if !volumes.is_empty() {
        let flags: Vec<String> = volumes
            .iter()
            .map(|w| format!("--workspace {w}=DIR"))
            .collect();
        notes.push(format!(
            "workspaces bound to volumes podsim cannot fill; to run it pass {}",
            flags.join(" ")
        ));
    }
    notes
}

/// What a run of the lone definition must pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needs {
    /// `Task` or `Pipeline`.
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// Params without a default and without `--param`.
    pub params: Vec<String>,
    /// Required workspaces without `--workspace`.
    pub workspaces: Vec<String>,
}

impl Needs {
    /// The note `podsim validate` prints, when a run needs anything.
    pub fn hint(&self) -> Option<String> {
        let flags: Vec<String> = self
            .params
            .iter()
            .map(|p| format!("--param {p}=VALUE"))
            .chain(
                self.workspaces
                    .iter()
                    .map(|w| format!("--workspace {w}=DIR")),
            )
            .collect();
        (!flags.is_empty()).then(|| {
            format!(
                "{} {} checked as a definition; to run it pass {}",
                self.kind,
                self.name,
                flags.join(" ")
            )
        })
    }
}

/// The definition the files hold alone, run object of a run synthesised for
/// it: no TaskRun or PipelineRun, one Pipeline, else one Task.
#[derive(Debug, Clone, Copy)]
enum Lone<'a> {
    Task(&'a Task),
    Pipeline(&'a Pipeline),
}

fn lone(files: &Documents) -> Option<Lone<'_>> {
    if files.has_run() {
        return None;
    }
    let docs = || files.0.iter().map(|(_, d)| d);
    let pipelines: Vec<_> = docs()
        .filter_map(|d| match d {
            Document::Pipeline(p) => Some(&**p),
            _ => None,
        })
        .collect();
    let tasks: Vec<_> = docs()
        .filter_map(|d| match d {
            Document::Task(t) => Some(&**t),
            _ => None,
        })
        .collect();
    match (pipelines.as_slice(), tasks.as_slice()) {
        ([p], _) => Some(Lone::Pipeline(p)),
        ([], [t]) => Some(Lone::Task(t)),
        _ => None,
    }
}

/// Adds placeholders to `params` and `dirs` for what the flags leave out of
/// a run of `lone`, and says what they were. The placeholder directory is
/// never written: validation runs nothing.
fn stand_in(
    lone: Lone<'_>,
    params: &mut Vec<(String, ParamValue)>,
    dirs: &mut BTreeMap<String, PathBuf>,
) -> Needs {
    let required = |ws: Vec<(&String, bool)>| -> Vec<String> {
        ws.into_iter()
            .filter(|(_, optional)| !optional)
            .map(|(name, _)| name.clone())
            .collect()
    };
    let (kind, name, declared, workspaces) = match lone {
        Lone::Pipeline(p) => (
            "Pipeline",
            p.metadata.name_or("pipeline"),
            &p.spec.params,
            required(
                p.spec
                    .workspaces
                    .iter()
                    .map(|w| (&w.name, w.optional))
                    .collect(),
            ),
        ),
        Lone::Task(t) => (
            "Task",
            t.metadata.name_or("task"),
            &t.spec.params,
            required(
                t.spec
                    .workspaces
                    .iter()
                    .map(|w| (&w.name, w.optional))
                    .collect(),
            ),
        ),
    };
    let mut needs = Needs {
        kind,
        name,
        params: Vec::new(),
        workspaces: Vec::new(),
    };
    for decl in declared {
        if decl.default.is_none() && !params.iter().any(|(n, _)| *n == decl.name) {
            params.push((decl.name.clone(), placeholder(decl)));
            needs.params.push(decl.name.clone());
        }
    }
    for workspace in workspaces {
        if !dirs.contains_key(&workspace) {
            dirs.insert(workspace.clone(), std::env::temp_dir());
            needs.workspaces.push(workspace);
        }
    }
    needs
}

/// An empty value of the declared type (an object with its declared keys).
fn placeholder(decl: &ParamSpec) -> ParamValue {
    match decl.kind.as_deref() {
        Some("array") => ParamValue::Array(Vec::new()),
        Some("object") => ParamValue::Object(
            decl.properties
                .keys()
                .map(|k| (k.clone(), String::new()))
                .collect(),
        ),
        _ => ParamValue::String(String::new()),
    }
}

/// Stand-in Tasks for the `taskRef`s of the lone `pipeline` that no
/// document of `all` defines: upstream's admission does not look Tasks up,
/// so the Pipeline is still checked, against Tasks that declare what the
/// pipeline task gives (params typed by their values, workspaces) and the
/// results the Pipeline reads from it. Returns the documents to add and the
/// names they stand in for, which a run needs (`-f DIR`).
fn stand_in_tasks(pipeline: &Pipeline, all: &Documents) -> (Vec<(String, Document)>, Vec<String>) {
    let docs = || all.0.iter().map(|(_, d)| d);
    let defined = |name: &str| {
        docs().any(|d| matches!(d, Document::Task(t) if t.metadata.name.as_deref() == Some(name)))
    };
    let text = serde_json::to_string(&pipeline.spec).unwrap_or_default();
    let mut added: Vec<(String, Document)> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    for task in pipeline.spec.tasks.iter().chain(&pipeline.spec.finally) {
        let Some(reference) = &task.task_ref else {
            continue;
        };
        let Some(name) = &reference.name else {
            continue;
        };
        let custom = reference
            .api_version
            .as_deref()
            .is_some_and(|a| !a.starts_with("tekton.dev/"));
        if custom || defined(name) || missing.contains(name) {
            continue;
        }
        let matrix = task.matrix.iter().flat_map(|m| {
            m.params
                .iter()
                .chain(m.include.iter().flat_map(|i| i.params.iter()))
        });
        let mut params: Vec<serde_json::Value> = Vec::new();
        for p in task.params.iter() {
            params.push(param_decl(&p.name, &p.value));
        }
        for p in matrix {
            if !params.iter().any(|d| d["name"] == p.name.as_str()) {
                params.push(serde_json::json!({"name": p.name}));
            }
        }
        let task_doc = serde_json::json!({
            "apiVersion": "tekton.dev/v1",
            "kind": "Task",
            "metadata": {"name": name},
            "spec": {
                "params": params,
                "workspaces": task.workspaces.iter().map(|w| serde_json::json!({"name": w.name})).collect::<Vec<_>>(),
                "results": results_read(&text, &task.name),
                "steps": [{"name": "stand-in", "image": "stand-in", "script": "true"}],
            },
        });
        if let Ok(stand_in) = serde_json::from_value(task_doc) {
            added.push(("(stand-in)".to_string(), Document::Task(Box::new(stand_in))));
            missing.push(name.clone());
        }
    }
    (added, missing)
}

/// A param declaration of the type of `value` (an object with its keys).
fn param_decl(name: &str, value: &ParamValue) -> serde_json::Value {
    match value {
        ParamValue::String(_) => serde_json::json!({"name": name}),
        ParamValue::Array(_) => serde_json::json!({"name": name, "type": "array"}),
        ParamValue::Object(map) => {
            let properties: serde_json::Map<String, serde_json::Value> = map
                .keys()
                .map(|k| (k.clone(), serde_json::json!({"type": "string"})))
                .collect();
            serde_json::json!({"name": name, "type": "object", "properties": properties})
        }
    }
}

/// The results `$(tasks.TASK.results.R…)` reads in `text` (a Pipeline as
/// JSON), typed by how they are read: `[…]` an array, `.key` an object.
fn results_read(text: &str, task: &str) -> Vec<serde_json::Value> {
    let mut found: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for reference in variables::all(text, &format!("tasks.{task}.results")) {
        let end = reference
            .name
            .find(['[', '.'])
            .unwrap_or(reference.name.len());
        let (name, rest) = reference.name.split_at(end);
        if name.is_empty() {
            continue;
        }
        let decl = if rest.starts_with('[') {
            serde_json::json!({"name": name, "type": "array"})
        } else if let Some(key) = rest.strip_prefix('.') {
            let mut entry = found
                .remove(name)
                .filter(|d| d["type"] == "object")
                .unwrap_or_else(
                    || serde_json::json!({"name": name, "type": "object", "properties": {}}),
                );
            entry["properties"][key] = serde_json::json!({"type": "string"});
            entry
        } else {
            serde_json::json!({"name": name})
        };
        found.entry(name.to_string()).or_insert(decl);
    }
    found.into_values().collect()
}

/// Under `validate`, the workspaces of the run among the files (a TaskRun's
/// or PipelineRun's bindings) whose volume needs files podsim cannot make
/// (configMap, secret; a TaskRun's claims too) and that `--workspace` does
/// not give: bound to a placeholder directory, never written, and named for
/// the note. Upstream's admission does not read the ConfigMap either.
fn stand_in_volumes(documents: &Documents, dirs: &mut BTreeMap<String, PathBuf>) -> Vec<String> {
    let mut named = Vec::new();
    for (_, document) in &documents.0 {
        let (bindings, claims_need_dirs) = match document {
            Document::TaskRun(r) => (&r.spec.workspaces, true),
            Document::PipelineRun(r) => (&r.spec.workspaces, false),
            _ => continue,
        };
        for binding in bindings {
            let files = binding.config_map.is_some() || binding.secret.is_some();
            let claim = binding.persistent_volume_claim.is_some()
                || binding.volume_claim_template.is_some();
            if (files || (claim && claims_need_dirs)) && !dirs.contains_key(&binding.name) {
                dirs.insert(binding.name.clone(), std::env::temp_dir());
                named.push(binding.name.clone());
            }
        }
    }
    named
}
