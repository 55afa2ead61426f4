//! Reading an input file: a scenario or a plain Pod manifest, with errors that
//! point at the line, column and field at fault.

use std::path::Path;

use k8s_openapi::api::core::v1::Pod;

use crate::scenario::Scenario;

/// What `podsim` was given.
#[derive(Debug, Clone)]
pub enum Input {
    /// A Task-shaped scenario.
    Scenario(Box<Scenario>),
    /// A Kubernetes Pod manifest (`kind: Pod`), run as it is.
    Pod(Box<Pod>),
    /// Tekton resources (`tekton.dev/v1` or `v1beta1`: Task, TaskRun...).
    Tekton(Box<crate::tekton::resolve::Documents>),
}

/// Why an input file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The text is not valid YAML, or a value has the wrong shape.
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong, with the field path when known.
        message: String,
    },
    /// An error without a position.
    #[error("{file}: {message}")]
    Other {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// Reads and parses `path` as a scenario or, when its `kind` is `Pod`, a Pod manifest.
///
/// Failure modes: unreadable file ([`InputError::Io`]); bad YAML, wrong value
/// types and unknown fields ([`InputError::Syntax`], with 1-based line and
/// column, the field path, and a "did you mean" suggestion for misspelt fields).
pub fn load(path: &Path) -> Result<Input, InputError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| InputError::Io {
        file: file.clone(),
        source,
    })?;
    parse(&file, &text)
}

/// Parses `text` (named `file` in messages); see [`load`].
pub fn parse(file: &str, text: &str) -> Result<Input, InputError> {
    if crate::tekton::resolve::is_multi_document(text) {
        return tekton(file, text);
    }
    let text = &crate::tekton::resolve::without_separators(text);
    let value: serde_norway::Value =
        serde_norway::from_str(text).map_err(|e| yaml_error(file, &e, String::new()))?;
    if value.is_null() {
        return Err(InputError::Other {
            file: file.to_string(),
            message: "the file is empty".to_string(),
        });
    }
    let kind = value.get("kind").and_then(|k| k.as_str());
    let api_version = value.get("apiVersion").and_then(|k| k.as_str());
    if crate::tekton::resolve::is_tekton(api_version, kind) {
        tekton(file, text)
    } else if kind == Some("Pod") {
        typed::<Pod>(file, text).map(|p| Input::Pod(Box::new(p)))
    } else if let Some(other) = kind {
        Err(InputError::Other {
            file: file.to_string(),
            message: format!(
                "kind {other:?} is not supported: give a scenario, a Pod, or a Tekton Task, TaskRun, Pipeline or PipelineRun"
            ),
        })
    } else {
        typed::<Scenario>(file, text).map(|s| Input::Scenario(Box::new(s)))
    }
}

/// The Tekton documents of `text`; a file of none (only documents of other
/// kinds) is an error naming what it holds.
fn tekton(file: &str, text: &str) -> Result<Input, InputError> {
    let documents = crate::tekton::resolve::parse(file, text)?;
    if documents.0.is_empty() {
        let found: Vec<String> = documents
            .1
            .iter()
            .map(|s| format!("{} {}", s.kind, s.name.as_deref().unwrap_or("(unnamed)")))
            .collect();
        let message = if found.is_empty() {
            "the file is empty".to_string()
        } else {
            format!(
                "no Tekton resource, only {}: podsim reads Tasks, TaskRuns, Pipelines, PipelineRuns and the feature-flags ConfigMap",
                found.join(", ")
            )
        };
        return Err(InputError::Other {
            file: file.to_string(),
            message,
        });
    }
    Ok(Input::Tekton(Box::new(documents)))
}

fn typed<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, InputError> {
    typed_at(file, text, 0)
}

/// Deserialises `text`, one YAML document that starts after `offset` lines
/// of `file`, into `T`; errors as [`load`] describes, lines counted in the file.
pub(crate) fn typed_at<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
    offset: usize,
) -> Result<T, InputError> {
    let deserializer = serde_norway::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        yaml_error_at(file, e.inner(), path, offset)
    })
}

fn yaml_error(file: &str, error: &serde_norway::Error, path: String) -> InputError {
    yaml_error_at(file, error, path, 0)
}

/// [`InputError`] for `error` in a document starting after `offset` lines of `file`.
pub(crate) fn yaml_error_at(
    file: &str,
    error: &serde_norway::Error,
    path: String,
    offset: usize,
) -> InputError {
    let mut message = error.to_string();
    // serde_norway appends " at line L column C"; we print the position first.
    if let Some(cut) = message.find(" at line ") {
        message.truncate(cut);
    }
    // serde_norway prefixes the parent path ("steps[0]: ..."); we print our own.
    if let Some((prefix, rest)) = message.split_once(": ") {
        if !prefix.contains(' ') && !path.is_empty() {
            message = rest.to_string();
        }
    }
    if let Some(hint) = suggestion(&message) {
        message = format!("{message}; did you mean `{hint}`?");
    }
    if !path.is_empty() && path != "." {
        message = format!("{path}: {message}");
    }
    match error.location() {
        Some(loc) => InputError::Syntax {
            file: file.to_string(),
            line: loc.line() + offset,
            column: loc.column(),
            message,
        },
        None => InputError::Other {
            file: file.to_string(),
            message,
        },
    }
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" messages, the
/// expected name closest to `x`, if any is close enough.
fn suggestion(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (unknown, expected) = rest.split_once('`')?;
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|candidate| (strsim::jaro_winkler(unknown, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_field() {
        let m = "unknown field `nmae`, expected one of `name`, `image`, `command`";
        assert_eq!(suggestion(m).as_deref(), Some("name"));
        let far = "unknown field `zzzz`, expected one of `name`, `image`";
        assert_eq!(suggestion(far), None);
    }

    #[test]
    fn unknown_field_has_path_position_and_hint() {
        let text = "name: t\nsteps:\n  - name: a\n    comand: [true]\n";
        let err = parse("s.yaml", text).unwrap_err().to_string();
        assert!(err.starts_with("s.yaml:4:"), "{err}");
        assert!(err.contains("steps[0]"), "{err}");
        assert!(err.contains("did you mean `command`"), "{err}");
    }

    #[test]
    fn bad_yaml_has_position() {
        let err = parse("s.yaml", "name: t\nsteps: [\n").unwrap_err();
        assert!(matches!(err, InputError::Syntax { line: 3, .. }), "{err}");
    }

    #[test]
    fn pod_manifests_are_recognised() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: x}]\n";
        assert!(matches!(parse("p.yaml", text), Ok(Input::Pod(_))));
    }
}
