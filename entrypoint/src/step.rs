//! A step's life, in upstream's order: wait, start, run, report.
//!
//! 1. create `<step_metadata_dir>/results` and `/artifacts`;
//! 2. wait for each wait file in turn (its `.err` means: skip this step);
//! 3. record `StartedAt`; substitute step results; evaluate `when` expressions;
//! 4. run the command under supervision (signals, timeout, cancel file);
//! 5. write the post file (or its `.err`) and `exitCode`, then the results and
//!    the termination message.
//!
//! Every failure still writes `<post_file>.err`, so later steps skip instead
//! of waiting forever.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::breakpoint::{self, Release};
use crate::cli::{OnError, ResultFrom, StepConfig};
use crate::events::Events;
use crate::post;
use crate::results;
use crate::substitute;
use crate::supervise::{self, ChildSpec, Ended};
use crate::termination::{self, Entry, ResultType};
use crate::wait::{self, WaitError, WaitOutcome};
use crate::when;

/// Exit status of a cancelled step (upstream exits with SIGKILL's number).
pub const EXIT_CANCELLED: i32 = 9;
/// Exit status when the child was killed by a signal (Go's `os.Exit(-1)`).
pub const EXIT_SIGNALED: i32 = 255;

/// How a step ended, before reporting.
#[derive(Debug)]
enum Verdict {
    /// Command ran and exited 0, or a `when` expression skipped it.
    Success { skipped: bool },
    /// Non-zero exit ignored by `-on_error continue`.
    Continued { code: i32 },
    /// The step failed; `reason` goes into the message; `exit` is the wrapper's status.
    Failed {
        exit: i32,
        reason: Option<&'static str>,
        exit_code_file: Option<String>,
    },
}

/// The step's termination entries and the post-file state, collected as it runs.
struct Report<'a> {
    cfg: &'a StepConfig,
    entries: Vec<Entry>,
}

impl Report<'_> {
    fn started_now(&mut self) {
        self.entries.push(Entry::internal(
            "StartedAt",
            rfc3339_millis(SystemTime::now()),
        ));
    }

    fn fail_post(&self) {
        if let Some(post) = &self.cfg.post_file {
            warn_on_err(post::write_post(post, true));
        }
    }

    /// Writes the termination message with what is collected so far.
    fn flush(&mut self) -> Result<(), termination::TerminationError> {
        let entries = std::mem::take(&mut self.entries);
        termination::append(
            &self.cfg.termination_path,
            &entries,
            self.cfg.compress_termination_message,
        )
    }
}

fn warn_on_err<E: std::fmt::Display>(r: Result<(), E>) {
    if let Err(e) = r {
        eprintln!("entrypoint: {e}");
    }
}

/// Formats a time as RFC 3339 with milliseconds in UTC, as upstream's `StartedAt`.
pub fn rfc3339_millis(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// Runs a whole step and returns the wrapper's exit status.
///
/// Errors are printed as one line on stderr; the post `.err` file is written
/// for every failure, including a failure to start.
pub fn run(cfg: &StepConfig) -> i32 {
    for flag in &cfg.credential_flags {
        eprintln!("entrypoint: warning: {flag} is accepted but credentials are not initialised (see docs/compatibility.md)");
    }
    let mut report = Report {
        cfg,
        entries: Vec::new(),
    };
    let mut events = match Events::new() {
        Ok(events) => events,
        Err(e) => {
            return fatal(
                &mut report,
                &format!("setting up signal and file watches: {e}"),
                1,
            )
        }
    };
    if let Some(dir) = &cfg.step_metadata_dir {
        for sub in ["results", "artifacts"] {
            if let Err(e) = std::fs::create_dir_all(dir.join(sub)) {
                return fatal(
                    &mut report,
                    &format!("creating {}: {e}", dir.join(sub).display()),
                    1,
                );
            }
        }
    }
    for file in &cfg.wait_files {
        match wait::wait_for(&mut events, file, cfg.wait_file_content) {
            Ok(WaitOutcome::Ready) => {}
            Ok(WaitOutcome::PreviousFailed(_)) if cfg.breakpoint_on_failure => {}
            Ok(WaitOutcome::PreviousFailed(err)) => {
                report.started_now();
                report.entries.push(Entry::internal("Reason", "Skipped"));
                let msg = format!(
                    "skipping step because a previous step failed ({} exists)",
                    err.display()
                );
                return fatal(&mut report, &msg, 1);
            }
            Err(WaitError::Interrupted { signal, .. }) => {
                report.started_now();
                return fatal(
                    &mut report,
                    &format!("terminated by signal {signal} while waiting"),
                    128 + signal,
                );
            }
            Err(e) => {
                report.started_now();
                return fatal(&mut report, &e.to_string(), 1);
            }
        }
    }
    report.started_now();
    if cfg.debug_before_step {
        match breakpoint::wait_release(&mut events, cfg, breakpoint::BEFORE_STEP) {
            // As upstream: what `.beforestepexit` holds does not matter; only
            // its `.err` twin (debug-beforestep-fail-continue) fails the step, with 1.
            Some(Release::Continue(_)) | None => {}
            Some(Release::Fail(code)) => {
                return fatal(
                    &mut report,
                    &format!(
                        "debug before step: released to fail (exit code {code} in the .err file)"
                    ),
                    1,
                );
            }
        }
    }
    let steps_dir = cfg.paths.steps_dir();
    let spec = match child_spec(cfg, &steps_dir) {
        Ok(spec) => spec,
        Err(msg) => return fatal(&mut report, &msg, 1),
    };
    if let Some(json) = &cfg.when_expressions {
        match when::parse(json).and_then(|exprs| when::evaluate(&exprs, &steps_dir)) {
            Ok(true) => {}
            Ok(false) => {
                report.entries.push(Entry::internal("Reason", "Skipped"));
                return finish(&mut report, Verdict::Success { skipped: true });
            }
            Err(e) => return fatal(&mut report, &format!("-when_expressions: {e}"), 1),
        }
    }
    let verdict = match supervise::run(&mut events, &spec, cfg.timeout, &cfg.paths.cancel_file()) {
        Ok(Ended::Exited(0)) => Verdict::Success { skipped: false },
        Ok(Ended::Exited(code)) => failure(cfg, code),
        Ok(Ended::Signaled(sig)) => {
            eprintln!("entrypoint: the command was killed by signal {sig}");
            failure(cfg, -1)
        }
        Ok(Ended::TimedOut) => {
            eprintln!(
                "entrypoint: the command exceeded its timeout of {:?}",
                cfg.timeout.unwrap_or_default()
            );
            Verdict::Failed {
                exit: 1,
                reason: Some("TimeoutExceeded"),
                exit_code_file: None,
            }
        }
        Ok(Ended::Cancelled) => {
            eprintln!("entrypoint: the step was cancelled");
            Verdict::Failed {
                exit: EXIT_CANCELLED,
                reason: Some("Cancelled"),
                exit_code_file: Some("killed".into()),
            }
        }
        Err(e) => {
            eprintln!("entrypoint: {e}");
            Verdict::Failed {
                exit: 1,
                reason: None,
                exit_code_file: None,
            }
        }
    };
    let failed = matches!(verdict, Verdict::Failed { .. });
    let code = finish(&mut report, verdict);
    if failed && cfg.breakpoint_on_failure {
        return match breakpoint::wait_release(&mut events, cfg, breakpoint::AFTER_FAILURE) {
            Some(Release::Continue(code) | Release::Fail(code)) => code,
            None => code,
        };
    }
    code
}

/// A non-zero exit (`-1` for a signal): ignored with `-on_error continue`.
fn failure(cfg: &StepConfig, code: i32) -> Verdict {
    match cfg.on_error {
        OnError::Continue => Verdict::Continued { code },
        OnError::StopAndFail => Verdict::Failed {
            exit: if code < 0 { EXIT_SIGNALED } else { code },
            reason: None,
            exit_code_file: None,
        },
    }
}

/// Builds the child's command line and environment, substituting step results.
fn child_spec(cfg: &StepConfig, steps_dir: &Path) -> Result<ChildSpec, String> {
    let command = substitute::substitute_args(&cfg.command, steps_dir)
        .map_err(|e| format!("step results: {e}"))?;
    let mut env = Vec::new();
    for (key, value) in std::env::vars_os() {
        let (Some(key), Some(value)) = (key.to_str(), value.to_str()) else {
            continue;
        };
        if key == crate::paths::ROOT_ENV || !value.contains("$(steps.") {
            continue;
        }
        let replaced = substitute::substitute_str(value, steps_dir)
            .map_err(|e| format!("step results in ${key}: {e}"))?;
        env.push((key.to_string(), replaced));
    }
    Ok(ChildSpec {
        command,
        env,
        stdout_path: cfg.stdout_path.clone(),
        stderr_path: cfg.stderr_path.clone(),
    })
}

/// Writes the post file, `exitCode`, results and the message; returns the exit status.
fn finish(report: &mut Report<'_>, verdict: Verdict) -> i32 {
    let cfg = report.cfg;
    let (failed, exit_code_file, mut exit) = match &verdict {
        Verdict::Success { .. } => (false, Some("0".to_string()), 0),
        Verdict::Continued { code } => {
            report
                .entries
                .push(Entry::internal("ExitCode", code.to_string()));
            (false, Some(code.to_string()), 0)
        }
        Verdict::Failed {
            exit,
            reason,
            exit_code_file,
        } => {
            if let Some(reason) = reason {
                report.entries.push(Entry::internal("Reason", *reason));
            }
            (true, exit_code_file.clone(), *exit)
        }
    };
    // Paused on failure, the post file is the debug script's to write.
    if let Some(post) = cfg
        .post_file
        .as_ref()
        .filter(|_| !(failed && cfg.breakpoint_on_failure))
    {
        // Without its post file the next step would wait forever: that is a failure.
        if let Err(e) = post::write_post(post, failed) {
            eprintln!("entrypoint: {e}");
            exit = exit.max(1);
        }
    }
    if let (Some(dir), Some(code)) = (&cfg.step_metadata_dir, exit_code_file) {
        warn_on_err(post::write_exit_code(dir, &code));
    }
    let skipped = matches!(verdict, Verdict::Success { skipped: true });
    let mut found = Vec::new();
    if !skipped {
        match collect_results(report) {
            Ok(entries) => found = entries,
            Err(e) => {
                eprintln!("entrypoint: {e}");
                exit = exit.max(1);
            }
        }
    }
    // As upstream: results come first in the message, then the step's own
    // entries; results too large for the message leave the step's own
    // entries written and fail the step.
    let own = std::mem::take(&mut report.entries);
    report.entries = found.iter().cloned().chain(own.iter().cloned()).collect();
    match report.flush() {
        Ok(()) => exit,
        Err(e) => {
            eprintln!("entrypoint: {e}");
            if matches!(e, termination::TerminationError::TooLarge) && !found.is_empty() {
                report.entries = own;
                warn_on_err(report.flush());
            }
            1
        }
    }
}

/// Reads task results, step results and artifacts for the report.
fn collect_results(report: &Report<'_>) -> Result<Vec<Entry>, results::ResultsError> {
    let cfg = report.cfg;
    if cfg.result_from == ResultFrom::SidecarLogs {
        return Ok(Vec::new());
    }
    let mut found = results::read(&cfg.paths.results_dir(), &cfg.results, ResultType::TaskRun)?;
    if let Some(dir) = &cfg.step_metadata_dir {
        found.extend(results::read(
            &dir.join("results"),
            &cfg.step_results,
            ResultType::Step,
        )?);
        let step_artifacts = dir.join("artifacts").join("provenance.json");
        found.extend(results::read_artifacts(
            &step_artifacts,
            ResultType::StepArtifacts,
        )?);
    }
    let task_artifacts = cfg.paths.artifacts_dir().join("provenance.json");
    found.extend(results::read_artifacts(
        &task_artifacts,
        ResultType::TaskRunArtifacts,
    )?);
    if let (Some(socket), false) = (&cfg.spire_socket, found.is_empty()) {
        return Err(results::ResultsError::Unsigned(socket.clone()));
    }
    Ok(found)
}

/// Reports an error that stops the step before or instead of running it.
fn fatal(report: &mut Report<'_>, msg: &str, exit: i32) -> i32 {
    eprintln!("entrypoint: {msg}");
    report.fail_post();
    warn_on_err(report.flush());
    exit
}

/// Writes `<post_file>.err` for a command line that could not be used at all.
pub fn fail_early(post_file: Option<PathBuf>) {
    if let Some(post) = post_file.filter(|p| !p.as_os_str().is_empty()) {
        warn_on_err(post::write_post(&post, true));
    }
}
