//! `podsim run|validate|render` on a PipelineRun (or a lone Pipeline).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use super::custom::CustomTasks;
use super::run::{CancelMode, PipelineController, Settings};
use super::{prepare, PipelinePlan};
use crate::input::{self, Input};
use crate::render::RenderOptions;
use crate::runtime::controller::RunOptions;
use crate::tekton::cli::{library, TektonArgs};
use crate::tekton::image::ImageCommands;
use crate::tekton::resolve::Documents;

/// What to do with the PipelineRun.
pub enum Action {
    /// Check it.
    Validate,
    /// Print the Pod of each TaskRun whose inputs are known before the run.
    Render,
    /// Run it.
    Run {
        /// Runtime options of every TaskRun.
        options: RunOptions,
        /// Print the status as YAML (`Some(false)`) or JSON (`Some(true)`).
        json: Option<bool>,
        /// Print each task's container output.
        logs: bool,
        /// No progress lines.
        quiet: bool,
        /// Cancel after this long.
        cancel_after: Option<Duration>,
        /// How `cancel_after` cancels.
        cancel_mode: CancelMode,
        /// Runner of custom tasks (CustomRun children).
        custom: Arc<dyn CustomTasks>,
        /// Also write the child TaskRuns' statuses here (JSON, keyed by name).
        child_statuses: Option<PathBuf>,
    },
}

fn fail(lines: &[String]) -> ExitCode {
    for line in lines {
        eprintln!("podsim: {line}");
    }
    ExitCode::from(2)
}

/// Handles `files` when they hold a PipelineRun or a lone Pipeline;
/// `None` when they do not (a TaskRun, a Task, a scenario, a Pod).
/// Exit status: 0 success, 1 the run failed, 2 bad input, 130 cancelled.
pub fn handle(
    files: &[PathBuf],
    args: &TektonArgs,
    render: &RenderOptions,
    action: Action,
) -> Option<ExitCode> {
    let mut documents = Documents::default();
    for file in files {
        match input::load(file) {
            Ok(Input::Tekton(docs)) => documents.extend(*docs),
            _ => return None,
        }
    }
    let mut run = match documents.pipeline_run() {
        Ok(Some(run)) => run,
        Ok(None) => return None,
        Err(e) => return Some(fail(&[e.to_string()])),
    };
    // A lone Pipeline's problems are the Pipeline's: no PipelineRun exists.
    let at = if documents.has_run() {
        format!("PipelineRun {}", run.metadata.name_or("pipelinerun"))
    } else {
        let pipeline = run.spec.pipeline_ref.as_ref().and_then(|r| r.name.clone());
        format!("Pipeline {}", pipeline.unwrap_or_default())
    };
    let prepared = library(documents, args).and_then(|(documents, library)| {
        for (name, value) in library.params {
            run.spec.params.retain(|p| p.name != name);
            run.spec
                .params
                .push(crate::tekton::model::Param { name, value });
        }
        prepare(
            &run,
            &at,
            &documents,
            library.workspace_dirs,
            &library.features,
        )
        .map(|plan| (plan, library.images))
    });
    let (plan, images) = match prepared {
        Ok(p) => p,
        Err(lines) => return Some(fail(&lines)),
    };
    Some(match action {
        Action::Validate => {
            // The controller's check before anything runs: a run that would
            // end `PipelineValidationFailed` at once is not valid input.
            if let Some((reason, message)) = super::validate::pipeline_run(&plan) {
                return Some(fail(&[format!(
                    "the PipelineRun would fail before any task runs ({reason}): {message}"
                )]));
            }
            for file in files {
                println!("{}: ok", file.display());
            }
            ExitCode::SUCCESS
        }
        Action::Render => render_static(&plan, render, &images),
        Action::Run {
            options,
            json,
            logs,
            quiet,
            cancel_after,
            cancel_mode,
            custom,
            child_statuses,
        } => {
            let mut options = options;
            options.collect_logs = logs;
            let settings = Settings {
                options,
                render: render.clone(),
                images,
                progress: !quiet,
                custom,
            };
            run_plan(
                &plan,
                &settings,
                Output {
                    json,
                    child_statuses,
                },
                cancel_after.map(|d| (d, cancel_mode)),
            )
        }
    })
}

/// The `$(tasks.…)` references in the params, `when` and matrix of `task`.
fn result_refs(task: &crate::tekton::model::PipelineTask) -> Vec<String> {
    let text = serde_json::to_string(&(&task.params, &task.when, &task.matrix)).unwrap_or_default();
    let mut refs: Vec<String> = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("$(tasks.") {
        let tail = &rest[at..];
        let end = tail.find(')').map_or(tail.len(), |e| e + 1);
        let found = tail[..end].to_string();
        if !refs.contains(&found) {
            refs.push(found);
        }
        rest = &tail[end..];
    }
    refs
}

fn render_static(plan: &PipelinePlan, render: &RenderOptions, images: &ImageCommands) -> ExitCode {
    use super::matrix::{params_of, task_runs};
    let vars = super::vars::task_vars(plan, &Default::default());
    let mut out = String::new();
    let tasks = plan.spec.tasks.iter().zip(&plan.tasks);
    let finally = plan.spec.finally.iter().zip(&plan.finally);
    for (task, runs) in tasks.chain(finally) {
        let refs = result_refs(task);
        if !refs.is_empty() {
            eprintln!(
                "podsim: render: pipeline task {}: {} only resolved by a run; left in",
                task.name,
                refs.join(", ")
            );
        }
        let each = match &task.matrix {
            None => vec![(
                format!("# pipeline task {}", task.name),
                format!("{}-{}", plan.name, task.name),
                task.clone(),
            )],
            Some(m) => match task_runs(m, &vars) {
                Ok(combos) => combos
                    .iter()
                    .enumerate()
                    .map(|(k, combo)| {
                        let mut one = task.clone();
                        one.params = params_of(&task.params, combo);
                        one.matrix = None;
                        (
                            format!("# pipeline task {} combination {k}", task.name),
                            format!("{}-{}-{k}", plan.name, task.name),
                            one,
                        )
                    })
                    .collect(),
                Err(e) => {
                    out.push_str(&format!(
                        "# pipeline task {}: not rendered: {e}\n",
                        task.name
                    ));
                    continue;
                }
            },
        };
        for (header, name, one) in each {
            match super::child::task_run_named(plan, &one, runs, &vars, images, render, name) {
                Ok(prepared) => match serde_norway::to_string(&prepared.plan.pod) {
                    Ok(text) => out.push_str(&format!("{header}\n---\n{text}")),
                    Err(e) => return fail(&[e.to_string()]),
                },
                Err(e) => out.push_str(&format!("{header}: not rendered: {e}\n")),
            }
        }
    }
    print!("{out}");
    ExitCode::SUCCESS
}

/// Where a run's statuses go.
struct Output {
    /// The run's status on stdout as YAML (`Some(false)`) or JSON (`Some(true)`).
    json: Option<bool>,
    /// The child TaskRuns' statuses, keyed by TaskRun name, as JSON to this file.
    child_statuses: Option<PathBuf>,
}

/// The `.status` of every child TaskRun of `outcome`, keyed by its name
/// (`<pipelinerun>-<task>`, `<pipelinerun>-<task>-<index>` for a matrix
/// combination); tasks that never got a TaskRun (custom tasks, setup
/// errors) have none.
fn child_statuses(plan: &PipelinePlan, outcome: &super::run::Outcome) -> serde_json::Value {
    let map: serde_json::Map<String, serde_json::Value> = outcome
        .tasks
        .iter()
        .filter_map(|task| {
            let status = crate::tekton::status::task_run_status(task.status.as_ref()?).ok()?;
            Some((format!("{}-{}", plan.name, task.task), status))
        })
        .collect();
    serde_json::Value::Object(map)
}

fn run_plan(
    plan: &PipelinePlan,
    settings: &Settings,
    output: Output,
    cancel_after: Option<(Duration, CancelMode)>,
) -> ExitCode {
    let json = output.json;
    let controller = PipelineController::default();
    let canceller = controller.canceller();
    let interrupted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = interrupted.clone();
    let stop = canceller.clone();
    let taken = crate::signals::take(&crate::signals::STOP, move |_| {
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
        stop.cancel();
    });
    if let Err(e) = taken {
        eprintln!("podsim: {e}");
        return ExitCode::from(1);
    }
    if let Some((after, mode)) = cancel_after {
        let canceller = canceller.clone();
        let _ = std::thread::Builder::new()
            .name("cancel-after".into())
            .spawn(move || {
                std::thread::sleep(after);
                canceller.cancel_as(mode);
            });
    }
    let outcome = controller.run(plan, settings);
    let mut logs_out: Box<dyn Write> = if json.is_some() {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    };
    for task in &outcome.tasks {
        for log in &task.logs {
            for line in log.text.lines() {
                let _ = writeln!(logs_out, "[{}/{}] {line}", task.task, log.container);
            }
        }
        if let Some(error) = &task.error {
            eprintln!("podsim: pipeline task {}: {error}", task.task);
        }
    }
    if let Some(file) = &output.child_statuses {
        let text =
            serde_json::to_string_pretty(&child_statuses(plan, &outcome)).unwrap_or_default();
        if let Err(e) = std::fs::write(file, text + "\n") {
            eprintln!("podsim: --child-statuses {}: {e}", file.display());
            return ExitCode::from(2);
        }
    }
    let status = &outcome.status;
    let text = match json {
        Some(true) => serde_json::to_string_pretty(status)
            .map(|t| t + "\n")
            .map_err(|e| e.to_string()),
        Some(false) => serde_norway::to_string(status).map_err(|e| e.to_string()),
        None => {
            let c = &status.conditions[0];
            Ok(format!("{}: {} ({})\n", plan.name, c.reason, c.message))
        }
    };
    match text {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
        }
        Err(e) => eprintln!("podsim: writing the status: {e}"),
    }
    if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
        ExitCode::from(130)
    } else if status.conditions[0].status == "True" {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
