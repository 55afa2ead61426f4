//! `podsim`: render a scenario into the Pod Tekton would build, or run it
//! locally with Pod semantics.
//!
//! The data path of the binary: [`args`] (the command line) -> [`load`]
//! (files to a run plan) -> [`run`] (the local run and its report); the
//! Tekton, PipelineRun and CustomRun rooms of the library handle their own
//! input (`tekton::cli`, `tekton::pipeline::cli`, `customrun::cli`).

mod args;
mod load;
mod run;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use simulator::input::Input;
use simulator::render::{render, RenderOptions};
use simulator::tekton::pipeline::cli::{self as pipeline_cli, Action};

use args::{Cli, Command};
use load::{is_one_customrun, load_plan};

/// Exit status of a run that failed.
const EXIT_FAILED: u8 = 1;
/// Exit status for bad input (and a setup the run cannot start with).
const EXIT_BAD_INPUT: u8 = 2;
/// Exit status after Ctrl-C (128 + SIGINT).
const EXIT_INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Render { files, .. } if is_one_customrun(&files) => {
            simulator::customrun::render::main(&files[0])
        }
        Command::Render {
            files,
            images,
            tekton,
        } => match pipeline_cli::handle(&files, &tekton, &images.options(), Action::Render)
            .map_or_else(|| load_plan(&files, &images.options(), &tekton), Err)
        {
            Ok((input, plan, _)) => {
                let text = match &input {
                    Input::Scenario(s) => serde_norway::to_string(&render(s, &images.options())),
                    Input::Pod(p) => serde_norway::to_string(p),
                    Input::Tekton(_) => serde_norway::to_string(&plan.pod),
                };
                print_or_fail(text.map_err(|e| e.to_string()))
            }
            Err(code) => code,
        },
        Command::Customrun(command) => simulator::customrun::controller::main(&command),
        Command::Validate { files, .. } if is_one_customrun(&files) => {
            simulator::customrun::cli::validate_file(&files[0])
        }
        Command::Validate { files, mut tekton } => {
            tekton.definition_only = true;
            let pipeline =
                pipeline_cli::handle(&files, &tekton, &RenderOptions::default(), Action::Validate);
            match pipeline.map_or_else(
                || load_plan(&files, &RenderOptions::default(), &tekton),
                Err,
            ) {
                Ok(_) => {
                    for file in &files {
                        println!("{}: ok", file.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(code) => code,
            }
        }
        Command::Lint(args) => ExitCode::from(simulator::lint::run(&args)),
        Command::Run(args) => run::main(args),
    }
}

fn print_or_fail(text: Result<String, String>) -> ExitCode {
    match text {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                return ExitCode::from(EXIT_FAILED);
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e, EXIT_FAILED),
    }
}

/// Prints `podsim: MESSAGE` on stderr and returns exit status `code`.
fn fail(message: &str, code: u8) -> ExitCode {
    eprintln!("podsim: {message}");
    ExitCode::from(code)
}
