//! `podsim validate` of a definition on its own: a Task or Pipeline with no
//! TaskRun or PipelineRun among the files is checked as upstream's admission
//! checks a definition. What only a run supplies (values for params without
//! a default, required workspaces) gets a placeholder, and is named in a
//! hint instead of failing the check: `podsim run` still requires it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::model::{ParamSpec, ParamValue};
use super::resolve::{Document, Documents};

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

/// When `documents` hold no TaskRun or PipelineRun and the run object would
/// be synthesised from one Pipeline (else one Task), adds placeholders to
/// `params` and `dirs` for what the flags leave out, and says what they were.
/// The placeholder directory is never written: validation runs nothing.
pub fn stand_in(
    documents: &Documents,
    params: &mut Vec<(String, ParamValue)>,
    dirs: &mut BTreeMap<String, PathBuf>,
) -> Option<Needs> {
    let docs = || documents.0.iter().map(|(_, d)| d);
    if docs().any(|d| matches!(d, Document::TaskRun(_) | Document::PipelineRun(_))) {
        return None;
    }
    let pipelines: Vec<_> = docs()
        .filter_map(|d| match d {
            Document::Pipeline(p) => Some(p),
            _ => None,
        })
        .collect();
    let tasks: Vec<_> = docs()
        .filter_map(|d| match d {
            Document::Task(t) => Some(t),
            _ => None,
        })
        .collect();
    let required = |ws: Vec<(&String, bool)>| -> Vec<String> {
        ws.into_iter()
            .filter(|(_, optional)| !optional)
            .map(|(name, _)| name.clone())
            .collect()
    };
    let (kind, name, declared, workspaces) = match (pipelines.as_slice(), tasks.as_slice()) {
        ([p], _) => (
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
        ([], [t]) => (
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
        _ => return None,
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
    Some(needs)
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
