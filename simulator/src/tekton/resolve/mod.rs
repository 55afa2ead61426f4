//! Tekton documents from files and `-f DIR`, and the run object among them:
//! the one TaskRun, or a lone Task run with `--param`/`--workspace`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::model::{Pipeline, PipelineRun, Task, TaskRun};
use crate::input::{typed_at, InputError};

mod refs;

/// The Tekton API groups podsim reads.
pub const API_VERSIONS: [&str; 2] = ["tekton.dev/v1", "tekton.dev/v1beta1"];
/// The kinds podsim recognises as Tekton's.
pub const KINDS: [&str; 4] = ["Task", "TaskRun", "Pipeline", "PipelineRun"];

/// One Tekton document.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    /// A Task.
    Task(Box<Task>),
    /// A TaskRun.
    TaskRun(Box<TaskRun>),
    /// A Pipeline.
    Pipeline(Box<Pipeline>),
    /// A PipelineRun.
    PipelineRun(Box<PipelineRun>),
    /// The data of a `feature-flags` ConfigMap ([`super::features`]).
    FeatureFlags(BTreeMap<String, String>),
}

/// Tekton documents, with the file each came from, and the documents of
/// those files that were not Tekton's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Documents(pub Vec<(String, Document)>, pub Vec<Skipped>);

/// A document that is not Tekton's (a Secret, ConfigMap, ServiceAccount,
/// Role...), as `kubectl apply -f` takes beside Tekton's: podsim reads
/// nothing from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file.
    pub file: String,
    /// The 1-based line where the document starts.
    pub line: usize,
    /// Its `kind`.
    pub kind: String,
    /// Its `metadata.name` (or `generateName`), if any.
    pub name: Option<String>,
    /// For a Task or Pipeline of a `-f` directory that cannot be read, why:
    /// an error only when a reference names it.
    pub unreadable: Option<String>,
}

impl Skipped {
    /// The note printed for it: `FILE:LINE: skipped KIND NAME (not a Tekton resource)`.
    pub fn note(&self) -> String {
        let name = self
            .name
            .as_deref()
            .map(|n| format!(" {n}"))
            .unwrap_or_default();
        format!(
            "{}:{}: skipped {}{name} (not a Tekton resource)",
            self.file, self.line, self.kind
        )
    }
}

/// Why the run object could not be found or resolved.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ResolveError {
    /// Nothing to run.
    #[error("no TaskRun and no Task to run among the files")]
    Nothing,
    /// Several candidates.
    #[error("{found}: give exactly one {give}")]
    Ambiguous {
        /// What was found: `2 TaskRuns`.
        found: String,
        /// What to give instead: `TaskRun, or one Task to run...`.
        give: &'static str,
    },
    /// A reference names nothing.
    #[error("{what} {name:?} is not defined in the files or -f directories")]
    Missing {
        /// `taskRef`.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// A reference names several definitions.
    #[error("{what} {name:?} is defined more than once ({files})")]
    Duplicate {
        /// `taskRef`.
        what: &'static str,
        /// The name.
        name: String,
        /// Where.
        files: String,
    },
    /// A reference names a `-f` definition that cannot be read.
    #[error("{what} {name:?} names a definition that cannot be read: {why}")]
    Unreadable {
        /// `taskRef`.
        what: &'static str,
        /// The name.
        name: String,
        /// The reading error, with its file and line.
        why: String,
    },
    /// Something the reference asks for is not supported.
    #[error("{0}")]
    Unsupported(String),
}

/// Whether a document with this `apiVersion` and `kind` is Tekton's (a
/// ConfigMap counts: Tekton's `feature-flags` is read among Tekton files).
pub fn is_tekton(api_version: Option<&str>, kind: Option<&str>) -> bool {
    let tekton = api_version.is_some_and(|v| v.starts_with("tekton.dev/"))
        && kind.is_some_and(|k| KINDS.contains(&k));
    tekton || (api_version == Some("v1") && kind == Some("ConfigMap"))
}

/// The data of a `feature-flags` ConfigMap.
fn feature_flags(value: &serde_norway::Value) -> Result<BTreeMap<String, String>, String> {
    let Some(data) = value.get("data").filter(|d| !d.is_null()) else {
        return Ok(BTreeMap::new());
    };
    serde_norway::from_value(data.clone())
        .map_err(|e| format!("ConfigMap feature-flags: data must map names to strings: {e}"))
}

/// The 1-based line of `chunk`'s first content (not blank, not a comment),
/// in a file where `chunk` starts after `offset` lines.
fn first_line(chunk: &str, offset: usize) -> usize {
    let first = chunk
        .lines()
        .position(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .unwrap_or(0);
    offset + first + 1
}

/// Parses every YAML document of `text` (from `file`) as a Tekton resource;
/// errors carry the line within the file. Empty documents are skipped;
/// so are documents of other API groups than `tekton.dev` (a Secret, a
/// ConfigMap other than `feature-flags`, RBAC...), which go to the
/// returned [`Skipped`] list for the caller to note.
pub fn parse(file: &str, text: &str) -> Result<Documents, InputError> {
    parse_documents(file, text, false)
}

/// [`parse`]; with `definitions_only` (a `-f` directory's file) TaskRuns and
/// PipelineRuns are left out unread: a directory lends definitions, and a
/// run document there that does not parse is no reason to refuse the run.
fn parse_documents(
    file: &str,
    text: &str,
    definitions_only: bool,
) -> Result<Documents, InputError> {
    let mut docs = Documents::default();
    for (offset, chunk) in split(text) {
        let value: serde_norway::Value = match serde_norway::from_str(&chunk) {
            Ok(v) => v,
            Err(e) => return Err(crate::input::yaml_error_at(file, &e, String::new(), offset)),
        };
        if value.is_null() {
            continue;
        }
        let text_of = |key: &str| value.get(key).and_then(|k| k.as_str()).unwrap_or("");
        let (api, kind) = (text_of("apiVersion"), text_of("kind"));
        let meta = |key: &str| {
            value
                .get("metadata")
                .and_then(|m| m.get(key))
                .and_then(|n| n.as_str())
                .map(str::to_string)
        };
        let name = meta("name").or_else(|| meta("generateName"));
        if api == "v1" && kind == "ConfigMap" && name.as_deref() == Some("feature-flags") {
            let data = feature_flags(&value).map_err(|message| InputError::Other {
                file: file.to_string(),
                message,
            })?;
            docs.0
                .push((file.to_string(), Document::FeatureFlags(data)));
            continue;
        }
        if !api.is_empty() && !kind.is_empty() && !api.starts_with("tekton.dev/") {
            docs.1.push(Skipped {
                file: file.to_string(),
                line: first_line(&chunk, offset),
                kind: kind.to_string(),
                name,
                unreadable: None,
            });
            continue;
        }
        if !API_VERSIONS.contains(&api) {
            return Err(InputError::Other {
                file: file.to_string(),
                message: format!(
                    "apiVersion {api:?} is not supported: use tekton.dev/v1 or tekton.dev/v1beta1"
                ),
            });
        }
        if definitions_only && matches!(kind, "TaskRun" | "PipelineRun") {
            continue;
        }
        match typed_document(file, &chunk, offset, api, kind, &value) {
            Ok(doc) => docs.0.push((file.to_string(), doc)),
            // A directory's definition that cannot be read matters only if a
            // reference names it: kept with its error for that reference.
            Err(e) if definitions_only && matches!(kind, "Task" | "Pipeline") => {
                docs.1.push(Skipped {
                    file: file.to_string(),
                    line: first_line(&chunk, offset),
                    kind: kind.to_string(),
                    name,
                    unreadable: Some(e.to_string()),
                })
            }
            Err(e) => return Err(e),
        }
    }
    Ok(docs)
}

/// One Tekton document (`chunk`, starting after `offset` lines of `file`;
/// `value` its YAML) as its type.
fn typed_document(
    file: &str,
    chunk: &str,
    offset: usize,
    api: &str,
    kind: &str,
    value: &serde_norway::Value,
) -> Result<Document, InputError> {
    if api == "tekton.dev/v1" {
        if let Some(problem) = super::versions::v1beta1_fields(kind, value).first() {
            return Err(InputError::Other {
                file: format!("{file}:{}", first_line(chunk, offset)),
                message: format!("{kind}: {problem}"),
            });
        }
    }
    // A definition is found by its name: without one, nothing could name it.
    let unnamed = || InputError::Other {
        file: file.to_string(),
        message: format!("{kind} has no metadata.name"),
    };
    Ok(match kind {
        "Task" => {
            let task: Task = typed_at(file, chunk, offset)?;
            if task.metadata.name.is_none() && task.metadata.generate_name.is_none() {
                return Err(unnamed());
            }
            Document::Task(Box::new(task))
        }
        "TaskRun" => Document::TaskRun(Box::new(typed_at(file, chunk, offset)?)),
        "Pipeline" => {
            let pipeline: Pipeline = typed_at(file, chunk, offset)?;
            if pipeline.metadata.name.is_none() && pipeline.metadata.generate_name.is_none() {
                return Err(unnamed());
            }
            Document::Pipeline(Box::new(pipeline))
        }
        "PipelineRun" => Document::PipelineRun(Box::new(typed_at(file, chunk, offset)?)),
        other => {
            return Err(InputError::Other {
                file: file.to_string(),
                message: format!(
                    "kind {other:?} is not supported: give a Task, TaskRun, Pipeline or PipelineRun"
                ),
            })
        }
    })
}

/// Whether `text` holds more than one non-empty YAML document (only Tekton
/// files may).
pub fn is_multi_document(text: &str) -> bool {
    split(text)
        .iter()
        .filter(|(_, chunk)| {
            chunk
                .lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        })
        .count()
        > 1
}

/// `text` with its `---` separator lines blanked (the line count kept, so
/// positions stay those of the file): for a file holding at most one
/// non-empty document, as a trailing `---` leaves, which serde_norway would
/// refuse as several documents. Empty documents are skipped, as kubectl does.
pub fn without_separators(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.lines().any(is_separator) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        out.push_str(if is_separator(line) { "" } else { line });
        out.push('\n');
    }
    if !text.ends_with('\n') {
        out.pop();
    }
    out.into()
}

fn is_separator(line: &str) -> bool {
    line.trim_end() == "---" || line.starts_with("--- ")
}

/// Splits multi-document YAML at `---` lines: each chunk with the number of
/// lines before it.
fn split(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (i, line) in text.lines().enumerate() {
        if is_separator(line) {
            out.push((start, std::mem::take(&mut current)));
            start = i + 1;
            continue;
        }
        current.push_str(line);
        current.push('\n');
    }
    out.push((start, current));
    out
}

/// Reads every `*.yaml`/`*.yml` file of `dir` (not recursive) as Tekton
/// documents, but for the files whose canonical path is in `given` (the
/// files given on the command line: their documents are read already).
pub fn load_dir(dir: &Path, given: &BTreeSet<PathBuf>) -> Result<Documents, InputError> {
    let io = |source| InputError::Io {
        file: dir.display().to_string(),
        source,
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .filter(|p| p.canonicalize().map_or(true, |c| !given.contains(&c)))
        .collect();
    paths.sort();
    let mut all = Documents::default();
    for path in paths {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|source| InputError::Io {
            file: file.clone(),
            source,
        })?;
        // A directory lends definitions: its other documents are no run's
        // business, so they are left out without a note.
        all.extend(parse_documents(&file, &text, true)?);
    }
    Ok(all)
}

impl Documents {
    /// Adds `other`'s documents, and its skipped ones, after these.
    pub fn extend(&mut self, other: Documents) {
        self.0.extend(other.0);
        self.1.extend(other.1);
    }

    /// The `feature-flags` ConfigMaps among the documents, with their files.
    pub fn feature_configmaps(&self) -> Vec<(String, BTreeMap<String, String>)> {
        self.0
            .iter()
            .filter_map(|(file, d)| match d {
                Document::FeatureFlags(data) => Some((file.clone(), data.clone())),
                _ => None,
            })
            .collect()
    }
}
