//! `podsim run customrun.yaml`: runs one CustomRun with the built-in and
//! registered runners and prints its final status.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use std::sync::atomic::{AtomicBool, Ordering};

use super::{run, Control, CustomRun, Registry};

/// What `podsim run` passes through for a CustomRun.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--custom-task API/KIND=CMD` values.
    pub custom_tasks: Vec<String>,
    /// `--custom-task-config FILE`.
    pub config: Option<PathBuf>,
    /// Print the final status as YAML (`Some(false)`) or JSON (`Some(true)`); a summary line otherwise.
    pub json: Option<bool>,
    /// No progress lines on stderr.
    pub quiet: bool,
}

/// Whether `file` is a YAML document of `kind: CustomRun` (false when it cannot be read:
/// the ordinary path then reports the problem).
pub fn is_customrun(file: &Path) -> bool {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|text| serde_norway::from_str::<serde_norway::Value>(&text).ok())
        .and_then(|v| {
            v.get("kind")
                .and_then(|k| k.as_str())
                .map(|k| k == "CustomRun")
        })
        .unwrap_or(false)
}

/// Loads the CustomRun in `file`; the error is one line naming the file.
pub fn load(file: &Path) -> Result<CustomRun, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let deserializer = serde_norway::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(deserializer)
        .map_err(|e| format!("{}: {}: {}", file.display(), e.path(), e.inner()))
}

/// `podsim validate` for a CustomRun: prints `FILE: ok`, or one line saying
/// what is wrong and exits 2.
pub fn validate_file(file: &Path) -> ExitCode {
    let checked = load(file).and_then(|run| {
        super::validate::validate(&run).map_err(|invalid| format!("{}: {invalid}", file.display()))
    });
    match checked {
        Ok(()) => {
            println!("{}: ok", file.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("podsim: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs the CustomRun in `file`: exit 0 when it succeeded, 1 when it failed,
/// 2 on bad input (unreadable file, unknown fields, invalid spec, bad
/// `--custom-task`, no runner for its type), 130 after Ctrl-C (which cancels
/// it as a pipeline controller would).
pub fn main(file: &Path, options: &Options) -> ExitCode {
    let fail = |message: String| {
        eprintln!("podsim: {message}");
        ExitCode::from(2)
    };
    let customrun = match load(file) {
        Ok(run) => run,
        Err(e) => return fail(e),
    };
    if let Err(invalid) = super::validate::validate(&customrun) {
        return fail(format!("{}: {invalid}", file.display()));
    }
    let registry = match Registry::from_flags(
        Registry::with_builtins(),
        options.config.as_deref(),
        &options.custom_tasks,
    ) {
        Ok(registry) => registry,
        Err(e) => return fail(e),
    };
    let (api, kind) = customrun.task_type().unwrap_or_default();
    if registry.find(api, kind).is_none() {
        return fail(format!(
            "{}: no runner for {api}/{kind} (register one with --custom-task {api}/{kind}=CMD); \
             on a cluster it would stay without status",
            file.display()
        ));
    }
    let control = std::sync::Arc::new(Control::new());
    let interrupted = std::sync::Arc::new(AtomicBool::new(false));
    let finished = std::sync::Arc::new(AtomicBool::new(false));
    let taken = {
        let (control, interrupted, finished) =
            (control.clone(), interrupted.clone(), finished.clone());
        crate::signals::take(&crate::signals::STOP, move |_| {
            if !finished.load(Ordering::SeqCst) {
                interrupted.store(true, Ordering::SeqCst);
                control.cancel("CustomRun cancelled: podsim was interrupted.");
            }
        })
    };
    if let Err(e) = taken {
        return fail(e);
    }
    let name = customrun.metadata.name.clone().unwrap_or_default();
    let status = std::thread::scope(|scope| {
        let worker = scope.spawn(|| run(&customrun, &registry, &control));
        let mut shown = None;
        while !worker.is_finished() {
            let latest =
                control.wait_status(Duration::from_millis(50), |s| Some(s) != shown.as_ref());
            if let Some(status) = latest {
                if !options.quiet {
                    eprintln!(
                        "podsim: customrun {name}: {} {} {}",
                        status.state().unwrap_or("-"),
                        status.reason(),
                        status.succeeded().map_or("", |c| c.message.as_str())
                    );
                }
                shown = Some(status);
            }
        }
        let status = worker.join().ok().flatten();
        // A signal from now on finds the run ended: nothing left to cancel.
        finished.store(true, Ordering::SeqCst);
        status
    });
    let Some(status) = status else {
        return fail(format!(
            "{}: the runner never reported a status",
            file.display()
        ));
    };
    let text = match options.json {
        Some(true) => serde_json::to_string_pretty(&status)
            .map(|t| t + "\n")
            .map_err(|e| e.to_string()),
        Some(false) => serde_norway::to_string(&status).map_err(|e| e.to_string()),
        None => Ok(format!(
            "{name}: {} ({})\n",
            status.reason(),
            status.succeeded().map_or("", |c| c.message.as_str())
        )),
    };
    let written = text.and_then(|t| {
        let mut out = std::io::stdout().lock();
        out.write_all(t.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string())
    });
    if let Err(e) = written {
        eprintln!("podsim: writing the status: {e}");
        return ExitCode::from(1);
    }
    if interrupted.load(Ordering::SeqCst) {
        ExitCode::from(130)
    } else if status.state() == Some("True") {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
