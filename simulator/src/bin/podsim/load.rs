//! Files to a run plan: one scenario or Pod manifest, or Tekton files.

use std::path::PathBuf;
use std::process::ExitCode;

use simulator::input::{self, Input};
use simulator::plan::{self, RunPlan};
use simulator::render::RenderOptions;
use simulator::tekton::cli::{prepare_run, TektonArgs};
use simulator::tekton::model::TaskSpec;
use simulator::tekton::resolve::Documents;
use simulator::validate::validate;

use crate::{fail, EXIT_BAD_INPUT};

/// Whether `files` is a single CustomRun file (run by the customrun room).
pub(crate) fn is_one_customrun(files: &[PathBuf]) -> bool {
    matches!(files, [file] if simulator::customrun::cli::is_customrun(file))
}

/// Reads, parses and validates `files` (one scenario or Pod, or Tekton
/// files); on failure prints why and returns exit status 2.
pub(crate) fn load_plan(
    files: &[PathBuf],
    options: &RenderOptions,
    tekton: &TektonArgs,
) -> Result<(Input, RunPlan, Option<TaskSpec>), ExitCode> {
    let mut inputs = Vec::new();
    for file in files {
        inputs.push(input::load(file).map_err(|e| fail(&e.to_string(), EXIT_BAD_INPUT))?);
    }
    if inputs.iter().all(|i| matches!(i, Input::Tekton(_))) {
        let mut documents = Documents::default();
        for input in &inputs {
            if let Input::Tekton(docs) = input {
                documents.extend((**docs).clone());
            }
        }
        let prepared = prepare_run(documents.clone(), tekton, options, true).map_err(|lines| {
            for line in &lines {
                eprintln!("podsim: {line}");
            }
            ExitCode::from(EXIT_BAD_INPUT)
        })?;
        let spec = prepared.task_spec;
        return Ok((
            Input::Tekton(Box::new(documents)),
            prepared.plan,
            Some(spec),
        ));
    }
    let ([input], [file]) = (inputs.as_slice(), files) else {
        return Err(fail(
            "several files are only for Tekton resources: give one scenario or Pod",
            EXIT_BAD_INPUT,
        ));
    };
    let input = input.clone();
    let plan = match &input {
        Input::Scenario(scenario) => {
            if let Err(problems) = validate(scenario) {
                for problem in &problems.0 {
                    eprintln!("podsim: {}: {problem}", file.display());
                }
                return Err(ExitCode::from(EXIT_BAD_INPUT));
            }
            plan::from_scenario(scenario, options)
        }
        Input::Pod(pod) => plan::from_pod((**pod).clone()),
        Input::Tekton(_) => unreachable!("Tekton inputs returned above"),
    };
    Ok((input, plan, None))
}
