//! The corpus: real Tekton YAML (`tekton.dev/v1`), one case per file that
//! holds a TaskRun or a PipelineRun.
//!
//! `conformance/tekton/*.yaml` are self-contained (the Tasks and Pipelines a
//! run refers to are documents of the same file). `examples/tekton/*.yaml`
//! lend each other definitions: a run there is applied with every Task and
//! Pipeline of its directory (podsim gets `-f DIR`). A case whose steps use
//! an image other than the ones the cluster holds, or that names a
//! PersistentVolumeClaim of its own, is listed as skipped with the reason.
//!
//! A sibling `<case>.conformance.yaml` holds what the run object cannot
//! say: `cancelWhenRunning` (a step name), `cancelAfter` (Go duration) and
//! `cancelStatus` (the PipelineRun's `spec.status`, default `Cancelled`): on
//! the cluster the harness patches the run once a TaskRun of the case
//! reports that step running and the steps before it ended (so the outcome
//! does not depend on how fast the cluster starts Pods); podsim, whose
//! timing is its own, gets `--cancel-after`/`--cancel-mode`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

/// The only step image the cluster has (imported by scripts/cluster import).
pub const SHELL_IMAGE: &str = "localhost/stepwise/shell:dev";

/// One case: a run object and the definitions applied with it.
#[derive(Debug, Clone)]
pub struct Case {
    /// The file without `.yaml`, relative to the repository
    /// (`conformance/tekton/when-skip`): the `CASE` of registry patterns.
    pub name: String,
    /// The file holding the run object.
    pub file: PathBuf,
    /// Every document to create, definitions first, the run object last.
    pub documents: Vec<Value>,
    /// A directory podsim reads definitions from (`-f DIR`).
    pub library: Option<PathBuf>,
    /// `TaskRun` or `PipelineRun`.
    pub kind: String,
    /// The run object's name.
    pub run_name: String,
    /// Why the case cannot run on the cluster, if it cannot.
    pub skip: Option<String>,
    /// Cancel the run after a while (the sibling `.conformance.yaml`).
    pub cancel: Option<Cancel>,
}

/// A cancel the harness sends: on the cluster a merge patch of the run's
/// `spec.status`, in podsim `--cancel-after` (and `--cancel-mode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancel {
    /// On the cluster: cancel once a TaskRun reports this step running.
    pub when_running: String,
    /// In podsim: how long after the run started (as written, a Go duration).
    pub after_text: String,
    /// The same, parsed.
    pub after: Duration,
    /// `spec.status`: `TaskRunCancelled` for a TaskRun; `Cancelled`,
    /// `CancelledRunFinally` or `StoppedRunFinally` for a PipelineRun.
    pub status: String,
}

/// The sibling file's fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Instructions {
    cancel_when_running: String,
    cancel_after: String,
    cancel_status: Option<String>,
}

const INSTRUCTIONS: &str = ".conformance.yaml";

/// The cancel instruction of the run in `file` of `kind`, from its sibling
/// `.conformance.yaml` if there is one.
fn cancel(file: &Path, kind: &str) -> Result<Option<Cancel>, String> {
    let mut sibling = file.with_extension("").into_os_string();
    sibling.push(INSTRUCTIONS);
    let sibling = PathBuf::from(sibling);
    let text = match std::fs::read_to_string(&sibling) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", sibling.display())),
    };
    let at = |e: &dyn std::fmt::Display| format!("{}: {e}", sibling.display());
    let given: Instructions = serde_norway::from_str(&text).map_err(|e| at(&e))?;
    let after = simulator::duration::parse_go_duration(&given.cancel_after)
        .map_err(|e| at(&format!("cancelAfter: {e}")))?;
    let status = match (kind, given.cancel_status.as_deref()) {
        ("TaskRun", None | Some("TaskRunCancelled")) => "TaskRunCancelled",
        ("PipelineRun", None) => "Cancelled",
        ("PipelineRun", Some(s @ ("Cancelled" | "CancelledRunFinally" | "StoppedRunFinally"))) => s,
        (_, Some(other)) => {
            return Err(at(&format!(
                "cancelStatus {other:?} is not a {kind}'s cancel status"
            )))
        }
        _ => return Err(at(&format!("a {kind} cannot be cancelled"))),
    };
    Ok(Some(Cancel {
        when_running: given.cancel_when_running,
        after_text: given.cancel_after,
        after,
        status: status.to_string(),
    }))
}

/// Reads every YAML document of `file`.
pub fn documents(file: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let mut out = Vec::new();
    for doc in serde_norway::Deserializer::from_str(&text) {
        let value = Value::deserialize(doc).map_err(|e| format!("{}: {e}", file.display()))?;
        if !value.is_null() {
            out.push(value);
        }
    }
    Ok(out)
}

fn kind(doc: &Value) -> &str {
    doc["kind"].as_str().unwrap_or_default()
}

fn is_run(doc: &Value) -> bool {
    matches!(kind(doc), "TaskRun" | "PipelineRun")
}

/// Every `image` a document names, anywhere.
fn images(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("image", Value::String(s)) => out.push(s.clone()),
                    _ => images(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| images(v, out)),
        _ => {}
    }
}

/// Why `documents` cannot run on the local cluster, if they cannot.
pub fn skip_reason(documents: &[Value]) -> Option<String> {
    let mut found = Vec::new();
    documents.iter().for_each(|d| images(d, &mut found));
    if let Some(other) = found.iter().find(|i| i.as_str() != SHELL_IMAGE) {
        return Some(format!(
            "uses image {other}, which the cluster cannot pull (only {SHELL_IMAGE} is imported)"
        ));
    }
    // A volumeClaimTemplate gets a hostPath PersistentVolume from the
    // harness; a claim the case names itself would need one made for it.
    let text = Value::Array(documents.to_vec()).to_string();
    if text.contains("\"persistentVolumeClaim\"") {
        return Some("names a PersistentVolumeClaim, which the harness does not make".into());
    }
    None
}

/// The case of `file`: its run object (exactly one) and the definitions
/// applied with it: the file's own, and with `library` every Task and
/// Pipeline of that directory not defined in the file.
pub fn case(root: &Path, file: &Path, library: Option<&Path>) -> Result<Option<Case>, String> {
    let own = documents(file)?;
    let runs: Vec<&Value> = own.iter().filter(|d| is_run(d)).collect();
    let run = match runs.as_slice() {
        [] => return Ok(None),
        [run] => (*run).clone(),
        _ => {
            return Err(format!(
                "{}: more than one TaskRun/PipelineRun; a case has exactly one",
                file.display()
            ))
        }
    };
    let mut defs: Vec<Value> = own.iter().filter(|d| !is_run(d)).cloned().collect();
    if let Some(dir) = library {
        for other in yaml_files(dir)? {
            if other == file {
                continue;
            }
            for doc in documents(&other)? {
                let defined = defs.iter().any(|d| {
                    kind(d) == kind(&doc) && d["metadata"]["name"] == doc["metadata"]["name"]
                });
                if matches!(kind(&doc), "Task" | "Pipeline") && !defined {
                    defs.push(doc);
                }
            }
        }
    }
    let run_name = run["metadata"]["name"]
        .as_str()
        .ok_or_else(|| format!("{}: the run object has no metadata.name", file.display()))?
        .to_string();
    let kind = kind(&run).to_string();
    let cancel = cancel(file, &kind)?;
    defs.push(run);
    let name = file
        .strip_prefix(root)
        .unwrap_or(file)
        .with_extension("")
        .to_string_lossy()
        .into_owned();
    Ok(Some(Case {
        name,
        file: file.to_path_buf(),
        skip: skip_reason(&defs),
        documents: defs,
        library: library.map(Path::to_path_buf),
        kind,
        run_name,
        cancel,
    }))
}

/// The `*.yaml` files of `dir`, sorted.
fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .filter(|p| !p.to_string_lossy().ends_with(INSTRUCTIONS))
        .collect();
    files.sort();
    Ok(files)
}

/// The repository this crate lives in.
pub fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every case: each file of `corpus` (self-contained) and each run among
/// `examples` (definitions from that directory), sorted by name.
pub fn load(root: &Path, corpus: &Path, examples: Option<&Path>) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for file in yaml_files(corpus)? {
        match case(root, &file, None)? {
            Some(case) => cases.push(case),
            None => return Err(format!("{}: no TaskRun or PipelineRun", file.display())),
        }
    }
    if let Some(dir) = examples {
        for file in yaml_files(dir)? {
            cases.extend(case(root, &file, Some(dir))?);
        }
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_status_must_fit_the_run() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("c.yaml");
        std::fs::write(
            dir.path().join("c.conformance.yaml"),
            "cancelWhenRunning: s\ncancelAfter: 1s\ncancelStatus: Cancelled\n",
        )
        .expect("write");
        let err = cancel(&file, "TaskRun").expect_err("a TaskRun's status is TaskRunCancelled");
        assert!(err.contains("cancelStatus \"Cancelled\""), "{err}");
        std::fs::write(
            dir.path().join("c.conformance.yaml"),
            "cancelWhenRunning: s\ncancelAfter: soon\n",
        )
        .expect("write");
        assert!(cancel(&file, "PipelineRun").is_err());
        assert_eq!(cancel(&dir.path().join("none.yaml"), "TaskRun"), Ok(None));
    }

    #[test]
    fn the_repository_corpus_loads_and_runs_only_the_shell_image() {
        let root = repository();
        let cases = load(
            &root,
            &root.join("conformance/tekton"),
            Some(&root.join("examples/tekton")),
        )
        .expect("the corpus loads");
        assert!(cases.len() >= 10, "{} cases", cases.len());
        for case in cases.iter().filter(|c| c.name.starts_with("conformance/")) {
            assert_eq!(case.skip, None, "{}", case.name);
        }
        let hello = cases
            .iter()
            .find(|c| c.name == "examples/tekton/hello-taskrun")
            .expect("hello-taskrun is a case");
        assert_eq!(hello.kind, "TaskRun");
        let kinds: Vec<&str> = hello.documents.iter().map(kind).collect();
        assert!(
            kinds.contains(&"Task"),
            "the Task from the directory: {kinds:?}"
        );
        assert_eq!(kinds.last(), Some(&"TaskRun"), "the run object last");
        let cancel = |name: &str| {
            let case = cases.iter().find(|c| c.name == name).expect(name);
            case.cancel.clone().expect("a cancel instruction")
        };
        let taskrun = cancel("conformance/tekton/cancel-taskrun");
        assert_eq!(taskrun.status, "TaskRunCancelled");
        assert_eq!(taskrun.when_running, "sleep");
        let finally = cancel("conformance/tekton/cancel-run-finally");
        assert_eq!(finally.status, "CancelledRunFinally");
        assert!(!cases.iter().any(|c| c.name.ends_with(".conformance")));
        let build = cases
            .iter()
            .find(|c| c.name == "examples/tekton/build-pipelinerun")
            .expect("build-pipelinerun is a case");
        assert_eq!(
            build.skip, None,
            "its volumeClaimTemplate gets a PersistentVolume"
        );
        let matrix = cases
            .iter()
            .find(|c| c.name == "examples/tekton/matrix-pipelinerun")
            .expect("matrix-pipelinerun is a case");
        assert_eq!(matrix.skip, None, "it runs the shell image");
    }
}
