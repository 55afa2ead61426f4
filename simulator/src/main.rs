//! `podsim`: render a scenario into the Pod Tekton would build, or run it
//! locally with Pod semantics.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use nix::sys::signal::{SigSet, Signal};

use simulator::input::{self, Input};
use simulator::plan::{self, RunPlan};
use simulator::render::{render, RenderOptions};
use simulator::runtime::controller::{Controller, Observer, RunOptions, RunReport, Silent};
use simulator::tekton::cli::{prepare_run, TektonArgs};
use simulator::tekton::model::TaskSpec;
use simulator::tekton::pipeline::cli::{self as pipeline_cli, Action};
use simulator::tekton::resolve::Documents;
use simulator::tekton::status::TaskRunStatus;
use simulator::validate::validate;
use simulator::view::{LiveView, PlainView};
use simulator::{duration, locate};

/// Exit status of a run that failed.
const EXIT_FAILED: u8 = 1;
/// Exit status for bad input (and a setup the run cannot start with).
const EXIT_BAD_INPUT: u8 = 2;
/// Exit status after Ctrl-C (128 + SIGINT).
const EXIT_INTERRUPTED: u8 = 130;

#[derive(Parser)]
#[command(
    name = "podsim",
    version,
    about = "Run a Tekton-style Pod's steps and sidecars as local processes"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the Pod Tekton's controller would build for a scenario.
    Render {
        /// Scenario file, Pod manifest, or Tekton files (YAML).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        images: Images,
        #[command(flatten)]
        tekton: TektonArgs,
    },
    /// Check a scenario (or Pod manifest) without running it.
    Validate {
        /// Scenario file, Pod manifest, or Tekton files (YAML).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        tekton: TektonArgs,
    },
    /// CustomRuns on a cluster: `podsim customrun controller --kubeconfig FILE` (docs/customrun.md).
    #[command(subcommand)]
    Customrun(simulator::customrun::controller::Command),
    /// Check ordered Pods and wrapped images statically (files, directories, Helm charts).
    Lint(simulator::lint::LintArgs),
    /// Run a scenario or a Pod manifest locally and report a TaskRun-shaped status.
    Run {
        /// Scenario file, Pod manifest, or Tekton files (YAML).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        tekton: TektonArgs,
        /// Cancel the run this long after it started (Go duration).
        #[arg(long, value_name = "DURATION")]
        cancel_after: Option<String>,
        /// How --cancel-after cancels a PipelineRun, as its spec.status would.
        #[arg(
            long,
            value_enum,
            default_value = "Cancelled",
            requires = "cancel_after"
        )]
        cancel_mode: simulator::tekton::pipeline::run::CancelMode,
        /// Print the status in this format on stdout.
        #[arg(short = 'o', long = "output", value_enum)]
        output: Option<Format>,
        /// Print every container's output after the run.
        #[arg(long)]
        logs: bool,
        /// PipelineRuns: also write the child TaskRuns' statuses to FILE, one
        /// JSON object keyed by TaskRun name (what a cluster holds beside the run).
        #[arg(long, value_name = "FILE")]
        child_statuses: Option<PathBuf>,
        /// Keep the Pod directory (its path is printed on stderr).
        #[arg(long)]
        keep: bool,
        /// No progress lines.
        #[arg(short, long)]
        quiet: bool,
        /// The entrypoint binary (default: $PODSIM_ENTRYPOINT, else next to podsim).
        #[arg(long, value_name = "PATH")]
        entrypoint: Option<PathBuf>,
        /// Time sidecars get between SIGTERM and SIGKILL once the steps are done (Go duration).
        #[arg(long, value_name = "DURATION", default_value = "1s")]
        sidecar_grace: String,
        /// Filesystem isolation: auto, namespaces (each container in its own
        /// mount namespace) or paths (container paths mapped into the Pod directory).
        #[arg(long, value_name = "MODE", default_value = "auto")]
        isolation: simulator::runtime::isolation::Isolation,
        /// End the run as stuck when every unfinished step has waited this
        /// long with no container ending (Go duration; default: never).
        #[arg(long, value_name = "DURATION")]
        hang_timeout: Option<String>,
        #[command(flatten)]
        images: Images,
        /// CustomRuns: run custom task API/KIND with the external runner CMD (repeatable).
        #[arg(long = "custom-task", value_name = "API/KIND=CMD")]
        custom_task: Vec<String>,
        /// CustomRuns: YAML file listing external runners (docs/customrun.md).
        #[arg(long = "custom-task-config", value_name = "FILE")]
        custom_task_config: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct Images {
    /// Image holding the entrypoint at /ko-app/entrypoint.
    #[arg(long, default_value = "localhost/stepwise/entrypoint:dev")]
    entrypoint_image: String,
    /// Image with a shell, for scripts and steps without an image.
    #[arg(long, default_value = "localhost/stepwise/shell:dev")]
    shell_image: String,
}

impl Images {
    fn options(&self) -> RenderOptions {
        RenderOptions {
            entrypoint_image: self.entrypoint_image.clone(),
            shell_image: self.shell_image.clone(),
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Yaml,
    Json,
}

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
        Command::Validate { files, tekton } => {
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
        Command::Run {
            files,
            tekton,
            cancel_after,
            cancel_mode,
            output,
            logs,
            child_statuses,
            keep,
            quiet,
            entrypoint,
            sidecar_grace,
            isolation,
            hang_timeout,
            images,
            custom_task,
            custom_task_config,
        } => {
            if is_one_customrun(&files) {
                let options = simulator::customrun::cli::Options {
                    custom_tasks: custom_task,
                    config: custom_task_config,
                    json: output.map(|f| matches!(f, Format::Json)),
                    quiet,
                };
                return simulator::customrun::cli::main(&files[0], &options);
            }
            let cancel_after = match cancel_after.as_deref().map(duration::parse_go_duration) {
                None => None,
                Some(Ok(d)) => Some(d),
                Some(Err(e)) => return fail(&format!("--cancel-after: {e}"), EXIT_BAD_INPUT),
            };
            let grace = match duration::parse_go_duration(&sidecar_grace) {
                Ok(d) => d,
                Err(e) => return fail(&format!("--sidecar-grace: {e}"), EXIT_BAD_INPUT),
            };
            let binary = match locate::entrypoint(entrypoint.as_deref()) {
                Ok(path) => path,
                Err(e) => return fail(&e.to_string(), EXIT_BAD_INPUT),
            };
            let mut options = RunOptions::new(binary);
            options.keep = keep;
            options.collect_logs = logs;
            options.sidecar_grace = grace;
            options.isolation = isolation;
            match hang_timeout.as_deref().map(duration::parse_go_duration) {
                None => {}
                Some(Ok(d)) => options.hang_timeout = Some(d),
                Some(Err(e)) => return fail(&format!("--hang-timeout: {e}"), EXIT_BAD_INPUT),
            }
            if !quiet {
                eprintln!("podsim: isolation: {}", isolation.resolve());
            }
            let custom = match simulator::customrun::pipeline::RegistryTasks::from_options(
                &custom_task,
                custom_task_config.as_deref(),
            ) {
                Ok(tasks) => std::sync::Arc::new(tasks),
                Err(e) => return fail(&e, EXIT_BAD_INPUT),
            };
            let action = Action::Run {
                options: options.clone(),
                json: output.map(|f| matches!(f, Format::Json)),
                logs,
                quiet,
                cancel_after,
                cancel_mode,
                custom,
                child_statuses: child_statuses.clone(),
            };
            if let Some(code) = pipeline_cli::handle(&files, &tekton, &images.options(), action) {
                return code;
            }
            if child_statuses.is_some() {
                return fail(
                    "--child-statuses applies to PipelineRuns; a TaskRun, Pod or scenario has no child TaskRuns",
                    EXIT_BAD_INPUT,
                );
            }
            let Ok((_, plan, task_spec)) = load_plan(&files, &images.options(), &tekton) else {
                return ExitCode::from(EXIT_BAD_INPUT);
            };
            if cancel_mode != simulator::tekton::pipeline::run::CancelMode::Cancelled {
                return fail(
                    "--cancel-mode applies to PipelineRuns; a TaskRun, Pod or scenario is only ever Cancelled",
                    EXIT_BAD_INPUT,
                );
            }
            options.cancel_after = cancel_after;
            run(&plan, options, output, quiet, task_spec)
        }
    }
}

/// Whether `files` is a single CustomRun file (run by the customrun room).
fn is_one_customrun(files: &[PathBuf]) -> bool {
    matches!(files, [file] if simulator::customrun::cli::is_customrun(file))
}

/// Reads, parses and validates `files` (one scenario or Pod, or Tekton
/// files); on failure prints why and returns exit status 2.
fn load_plan(
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
                documents.0.extend(docs.0.iter().cloned());
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

/// Warns when more steps will wait at once than the kernel gives inotify
/// instances to one user: the entrypoints beyond the limit fall back to
/// polling, which works but is slower.
fn warn_inotify_limit(steps: usize) {
    let limit = std::fs::read_to_string("/proc/sys/fs/inotify/max_user_instances")
        .ok()
        .and_then(|text| text.trim().parse::<usize>().ok());
    if let Some(limit) = limit.filter(|limit| steps > *limit) {
        eprintln!(
            "podsim: note: {steps} steps wait at once but fs.inotify.max_user_instances is {limit}; \
             the steps beyond it poll instead (slower). Raise it with: sysctl fs.inotify.max_user_instances={}",
            steps.next_power_of_two().max(1024)
        );
    }
}

fn run(
    plan: &RunPlan,
    options: RunOptions,
    output: Option<Format>,
    quiet: bool,
    task_spec: Option<TaskSpec>,
) -> ExitCode {
    warn_inotify_limit(plan.steps.len());
    // Block the stop signals in every thread; one thread takes them with sigwait.
    let mut signals = SigSet::empty();
    for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        signals.add(signal);
    }
    if let Err(e) = signals.thread_block() {
        return fail(&format!("cannot block signals: {e}"), EXIT_FAILED);
    }
    let mut controller = Controller::new(options);
    let canceller = controller.canceller();
    let interrupted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = interrupted.clone();
    let _ = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || loop {
            if signals.wait().is_ok() {
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
                canceller.interrupt();
            }
        });

    let mut observer: Box<dyn Observer> = if quiet {
        Box::new(Silent)
    } else if std::io::stderr().is_terminal() {
        Box::new(LiveView::new())
    } else {
        Box::new(PlainView::new())
    };
    let result = controller.run(plan, observer.as_mut());
    drop(observer);
    let report = match result {
        Ok(report) => report,
        Err(e) => return fail(&e.to_string(), EXIT_BAD_INPUT),
    };
    let shown = print_report(&report, output, task_spec);
    if let Err(e) = shown {
        return fail(&e, EXIT_FAILED);
    }
    if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
        ExitCode::from(EXIT_INTERRUPTED)
    } else if report.status.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    }
}

fn print_report(
    report: &RunReport,
    output: Option<Format>,
    task_spec: Option<TaskSpec>,
) -> Result<(), String> {
    for dir in &report.kept {
        eprintln!("podsim: kept Pod directory {}", dir.display());
    }
    let mut logs_out: Box<dyn Write> = if output.is_some() {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    };
    for log in &report.logs {
        for line in log.text.lines() {
            let _ = writeln!(logs_out, "[{}] {line}", log.container);
        }
    }
    let status = &report.status;
    let shown = match task_spec {
        Some(task_spec) => serde_json::to_value(TaskRunStatus {
            run: status.clone(),
            task_spec,
        }),
        None => serde_json::to_value(status),
    }
    .map_err(|e| e.to_string())?;
    let text = match output {
        Some(Format::Yaml) => serde_norway::to_string(&shown).map_err(|e| e.to_string())?,
        Some(Format::Json) => {
            serde_json::to_string_pretty(&shown).map_err(|e| e.to_string())? + "\n"
        }
        None => {
            let condition = status.conditions.first();
            format!(
                "{}: {} ({})\n",
                status.pod_name,
                condition.map_or("Unknown", |c| c.reason.as_str()),
                condition.map_or("", |c| c.message.as_str())
            )
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("writing the status: {e}"))
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

fn fail(message: &str, code: u8) -> ExitCode {
    eprintln!("podsim: {message}");
    ExitCode::from(code)
}
