//! `podsim run` of a TaskRun, Pod or scenario: the local controller under
//! a signal thread, then the status report on stdout.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use simulator::plan::RunPlan;
use simulator::runtime::controller::{Controller, Observer, RunOptions, RunReport, Silent};
use simulator::tekton::model::TaskSpec;
use simulator::tekton::pipeline::cli::{self as pipeline_cli, Action};
use simulator::tekton::pipeline::run::CancelMode;
use simulator::tekton::status::TaskRunStatus;
use simulator::view::{LiveView, PlainView};
use simulator::{duration, locate, signals};

use crate::args::{Format, RunArgs};
use crate::load::{is_one_customrun, load_plan};
use crate::{fail, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED};

/// `podsim run`: a single CustomRun file goes to the customrun room, a
/// PipelineRun to the pipeline room, anything else runs here.
pub(crate) fn main(args: RunArgs) -> ExitCode {
    let RunArgs {
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
    } = args;
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
        Ok(tasks) => Arc::new(tasks),
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
    if cancel_mode != CancelMode::Cancelled {
        return fail(
            "--cancel-mode applies to PipelineRuns; a TaskRun, Pod or scenario is only ever Cancelled",
            EXIT_BAD_INPUT,
        );
    }
    options.cancel_after = cancel_after;
    run(&plan, options, output, quiet, task_spec)
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
    let mut controller = Controller::new(options);
    let canceller = controller.canceller();
    let interrupted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = interrupted.clone();
    let taken = signals::take(&signals::STOP, move |_| {
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
        canceller.interrupt();
    });
    if let Err(e) = taken {
        return fail(&e, EXIT_FAILED);
    }

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
