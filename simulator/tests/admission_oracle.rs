//! Upstream's admission as the oracle for podsim's variable checks
//! (`tekton::admission`): every Tekton document of tests/fixtures/admission.yaml,
//! examples/tekton, conformance/tekton and the catalog's Tekton scenarios is
//! given to upstream's own `Validate` (compat/render `-admit`, built by
//! scripts/render-oracle) and to podsim. For each document the variable
//! messages upstream reports (`non-existent variable in …`, `variable type
//! invalid in …`, `variable is not properly isolated in …`, `Invalid
//! referencing of parameters in …`) must be exactly the ones podsim
//! reports. Other upstream messages belong to podsim's other checks.
//! Without the Go toolchain it is skipped with a printed reason, unless
//! `CONFORMANCE_REQUIRE` contains `upstream`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use simulator::tekton::resolve::{parse, Document};

mod common;

const VARIABLE_MESSAGES: [&str; 4] = [
    "non-existent variable in ",
    "variable type invalid in ",
    "variable is not properly isolated in ",
    "Invalid referencing of parameters in ",
];

/// The files compared: the fixture, the repository's Tekton files, and those
/// of the directories in `ADMISSION_ORACLE_DIRS` (colon-separated; e.g. a
/// checkout of your own Tekton YAML), each file that podsim parses.
fn tekton_files() -> Vec<PathBuf> {
    let root = common::workspace_root();
    let mut files = vec![root.join("simulator/tests/fixtures/admission.yaml")];
    let mut dirs: Vec<PathBuf> = [
        "examples/tekton",
        "conformance/tekton",
        "conformance/scenarios",
    ]
    .iter()
    .map(|d| root.join(d))
    .collect();
    if let Ok(extra) = std::env::var("ADMISSION_ORACLE_DIRS") {
        dirs.extend(
            extra
                .split(':')
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
        );
    }
    for dir in dirs {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("read dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .filter(|p| parse(&p.display().to_string(), &read(p)).is_ok_and(|d| !d.0.is_empty()))
            .collect();
        found.sort();
        files.extend(found);
    }
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read YAML")
}

/// The variable messages of one upstream error text (`MESSAGE: PATHS` lines).
fn upstream_messages(error: &str) -> BTreeSet<String> {
    error
        .lines()
        .filter(|l| VARIABLE_MESSAGES.iter().any(|m| l.starts_with(m)))
        .map(|l| {
            l.rsplit_once(": ")
                .map_or(l, |(message, _)| message)
                .to_string()
        })
        .collect()
}

#[test]
fn podsim_refuses_the_variables_upstreams_admission_refuses() {
    let Some(oracle) = common::oracle("admission_oracle") else {
        return;
    };
    let mut differences = Vec::new();
    let mut compared = 0;
    for file in tekton_files() {
        let name = file.display().to_string();
        let documents = parse(&name, &read(&file)).expect("podsim parses it");
        let ours = simulator::tekton::admission::check(&documents, documents.0.len());
        let out = Command::new(&oracle)
            .arg("-admit")
            .arg(&file)
            .output()
            .expect("run oracle");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let verdicts: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("oracle JSON"))
            .collect();
        let kinds: Vec<(&str, String)> = documents
            .0
            .iter()
            .filter_map(|(_, d)| match d {
                Document::Task(t) => Some(("Task", t.metadata.name_or("task"))),
                Document::TaskRun(r) => Some(("TaskRun", r.metadata.name_or("taskrun"))),
                Document::Pipeline(p) => Some(("Pipeline", p.metadata.name_or("pipeline"))),
                Document::PipelineRun(r) => {
                    Some(("PipelineRun", r.metadata.name_or("pipelinerun")))
                }
                Document::FeatureFlags(_) => None,
            })
            .collect();
        assert_eq!(
            kinds.len(),
            verdicts.len(),
            "{name}: one verdict per document"
        );
        let mut by_doc: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for line in &ours {
            let rest = line
                .strip_prefix(&format!("{name}: "))
                .expect("file prefix");
            let (doc, problem) = rest.split_once(": ").expect("KIND NAME: problem");
            let message = problem.split_once(": ").map_or(problem, |(_, m)| m);
            by_doc
                .entry(doc.to_string())
                .or_default()
                .insert(message.to_string());
        }
        for ((kind, doc_name), verdict) in kinds.iter().zip(&verdicts) {
            compared += 1;
            let key = format!("{kind} {doc_name}");
            let theirs = upstream_messages(verdict["error"].as_str().unwrap_or(""));
            let mine = by_doc.remove(&key).unwrap_or_default();
            if theirs != mine {
                differences.push(format!(
                    "{name}: {key}:\n  upstream: {theirs:?}\n  podsim:   {mine:?}"
                ));
            }
        }
        assert!(
            by_doc.is_empty(),
            "{name}: podsim lines for unknown documents: {by_doc:?}"
        );
    }
    assert!(compared > 20, "only {compared} documents compared");
    assert!(
        differences.is_empty(),
        "{} of {compared} documents differ from upstream's admission:\n{}",
        differences.len(),
        differences.join("\n")
    );
    eprintln!(
        "admission_oracle: {compared} documents, podsim's variable checks agree with upstream's"
    );
}
