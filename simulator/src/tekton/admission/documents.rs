//! Which documents are checked: every one in the files given, and those of
//! `-f` directories that a `taskRef` or `pipelineRef` names (an unused
//! definition in a directory is not the run's business), each as
//! `kubectl apply` would check it.

use std::collections::BTreeSet;

use super::{pipeline_spec, steps, Declared, Usage};
use crate::tekton::model::PipelineSpec;
use crate::tekton::resolve::{Document, Documents};
use crate::validate::Problem;

/// The problems of `documents`, one line each (`FILE: Kind NAME: PATH:
/// MESSAGE`); the first `given` came from the files, the rest from `-f`.
pub fn check(documents: &Documents, given: usize) -> Vec<String> {
    let named = referenced(documents);
    let mut lines = Vec::new();
    for (i, (file, document)) in documents.0.iter().enumerate() {
        let mut problems = Vec::new();
        let (kind, meta) = match document {
            Document::Task(t) => ("Task", &t.metadata),
            Document::Pipeline(p) => ("Pipeline", &p.metadata),
            Document::TaskRun(r) => ("TaskRun", &r.metadata),
            Document::PipelineRun(r) => ("PipelineRun", &r.metadata),
            Document::FeatureFlags(_) => continue,
        };
        let name = meta.name_or(&kind.to_lowercase());
        if i >= given && !named.contains(&name) {
            continue;
        }
        match document {
            Document::Task(t) => {
                let none = Declared::default();
                steps::task_spec(&t.spec, "spec", Some(&none), &mut problems);
            }
            Document::Pipeline(p) => pipeline_spec(&p.spec, "spec", Usage::Applied, &mut problems),
            Document::TaskRun(r) => {
                if let Some(spec) = &r.spec.task_spec {
                    let mut given = Declared::default();
                    given.add_given(&r.spec.params);
                    steps::task_spec(spec, "spec.taskSpec", Some(&given), &mut problems);
                }
            }
            Document::PipelineRun(r) => {
                if let Some(spec) = &r.spec.pipeline_spec {
                    let all = run_params(&r.spec.params, spec);
                    let usage = Usage::Inline(&all);
                    pipeline_spec(spec, "spec.pipelineSpec", usage, &mut problems);
                }
            }
            Document::FeatureFlags(_) => {}
        }
        for Problem { path, message } in problems {
            // Two checks may find the same reference (an array param both
            // the spec's and the run's); upstream reports it once.
            let line = format!("{file}: {kind} {name}: {path}: {message}");
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
    }
    lines
}

/// What upstream counts as declared in a PipelineRun's inline pipeline: the
/// run's params, the pipeline's, and every task's given and inline ones.
fn run_params(given: &[crate::tekton::model::Param], spec: &PipelineSpec) -> Declared {
    let mut all = Declared::default();
    all.add_given(given);
    all.add_specs(&spec.params);
    for task in &spec.tasks {
        all.add_given(&task.params);
        if let Some(embedded) = &task.task_spec {
            all.add_specs(&embedded.task.params);
        }
    }
    all
}

/// Every name a `taskRef` or `pipelineRef` gives, in any document.
fn referenced(documents: &Documents) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let pipeline = |spec: &PipelineSpec, names: &mut BTreeSet<String>| {
        for task in spec.tasks.iter().chain(&spec.finally) {
            names.extend(task.task_ref.as_ref().and_then(|r| r.name.clone()));
        }
    };
    for (_, document) in &documents.0 {
        match document {
            Document::TaskRun(r) => {
                names.extend(r.spec.task_ref.as_ref().and_then(|r| r.name.clone()));
            }
            Document::PipelineRun(r) => {
                names.extend(r.spec.pipeline_ref.as_ref().and_then(|r| r.name.clone()));
                if let Some(spec) = &r.spec.pipeline_spec {
                    pipeline(spec, &mut names);
                }
            }
            Document::Pipeline(p) => pipeline(&p.spec, &mut names),
            Document::Task(_) | Document::FeatureFlags(_) => {}
        }
    }
    names
}
