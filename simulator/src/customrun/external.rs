//! External runners: any executable speaking the line protocol of
//! docs/customrun.md. The CustomRun goes to the runner's stdin as one JSON
//! line; the runner writes `{"status": {...}}` lines on stdout. On
//! cancellation the CustomRun is written again (with `spec.status:
//! RunCancelled`) and the runner's process group gets SIGTERM; a runner still
//! alive after the grace period is killed and reported as `RunnerKilled`.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use serde::Deserialize;

use super::control::Control;
use super::model::{
    CustomRun, CustomRunStatus, REASON_NOT_SUPPORTED, REASON_RUNNER_KILLED, SPEC_STATUS_CANCELLED,
};
use super::registry::{Feature, Runner, DEFAULT_GRACE};

/// Reason of a run whose runner exited without a final status.
pub const REASON_RUNNER_EXITED: &str = "RunnerExitedWithoutStatus";
/// Reason of a run whose runner could not be started.
pub const REASON_RUNNER_FAILED: &str = "RunnerFailedToStart";

/// An executable registered for one custom-task type.
#[derive(Debug, Clone)]
pub struct External {
    /// Program and arguments.
    pub argv: Vec<String>,
    /// What the runner declared it does not support; CustomRuns using it are rejected.
    pub unsupported: Vec<Feature>,
    /// Time between the cancellation request and SIGKILL.
    pub grace: Duration,
}

/// One line of the runner's stdout.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Message {
    status: CustomRunStatus,
}

impl External {
    /// A runner running `argv`, supporting everything, with the default grace period.
    pub fn new(argv: Vec<String>) -> External {
        External {
            argv,
            unsupported: Vec::new(),
            grace: DEFAULT_GRACE,
        }
    }

    fn rejection(&self, run: &CustomRun) -> Option<CustomRunStatus> {
        let uses = |feature: &Feature| match feature {
            Feature::Timeout => run.spec.timeout.is_some(),
            Feature::Retries => run.spec.retries > 0,
        };
        self.unsupported.iter().find(|f| uses(f)).map(|feature| {
            let name = match feature {
                Feature::Timeout => "timeout",
                Feature::Retries => "retries",
            };
            CustomRunStatus::failed(
                REASON_NOT_SUPPORTED,
                &format!("this custom task does not support spec.{name}"),
            )
        })
    }

    fn spawn(&self) -> std::io::Result<Child> {
        let mut command = Command::new(&self.argv[0]);
        command
            .args(&self.argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .process_group(0);
        command.spawn()
    }
}

fn line(run: &CustomRun) -> String {
    let mut sent = run.clone();
    sent.status = None;
    // Serialising our own types cannot fail.
    serde_json::to_string(&sent).unwrap_or_default() + "\n"
}

fn signal_group(child: &Child, signal: Signal) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // ESRCH (the group is gone) is the outcome we want anyway.
        let _ = killpg(Pid::from_raw(pid), signal);
    }
}

impl Runner for External {
    fn execute(&self, run: &CustomRun, control: &Control) -> Option<CustomRunStatus> {
        if let Some(status) = self.rejection(run) {
            control.publish(status.clone());
            return Some(status);
        }
        let mut child = match self.spawn() {
            Ok(child) => child,
            Err(e) => {
                let status = CustomRunStatus::failed(
                    REASON_RUNNER_FAILED,
                    &format!("cannot start {}: {e}", self.argv[0]),
                );
                control.publish(status.clone());
                return Some(status);
            }
        };
        let mut stdin = child.stdin.take();
        if let Some(pipe) = stdin.as_mut() {
            // A runner that closed its stdin early still gets judged on its output.
            let _ = pipe
                .write_all(line(run).as_bytes())
                .and_then(|()| pipe.flush());
        }
        let stdout = child.stdout.take();
        let program = self.argv[0].clone();
        let killed = std::thread::scope(|scope| {
            let reader = stdout.map(|out| {
                scope.spawn(move || {
                    for (number, text) in BufReader::new(out).lines().enumerate() {
                        let Ok(text) = text else { break };
                        if text.trim().is_empty() {
                            continue;
                        }
                        match serde_json::from_str::<Message>(&text) {
                            Ok(message) => control.publish(message.status),
                            Err(e) => eprintln!(
                                "podsim: runner {program}: stdout line {} is not a status message: {e}",
                                number + 1
                            ),
                        }
                    }
                })
            });
            let killed = self.supervise(&mut child, run, control, stdin);
            // Leftover children of the runner would hold stdout open.
            signal_group(&child, Signal::SIGKILL);
            if let Some(reader) = reader {
                let _ = reader.join();
            }
            killed
        });
        let latest = control.latest();
        if latest.as_ref().is_some_and(CustomRunStatus::is_done) {
            return latest;
        }
        let mut status = latest.unwrap_or_default();
        if killed {
            status.mark(
                "False",
                REASON_RUNNER_KILLED,
                &format!(
                    "the runner ignored cancellation for {}; killed",
                    humantime::format_duration(self.grace)
                ),
            );
        } else {
            status.mark(
                "False",
                REASON_RUNNER_EXITED,
                "the runner exited without reporting Succeeded True or False",
            );
        }
        control.publish(status.clone());
        Some(status)
    }
}

impl External {
    /// Waits for the runner to exit, forwarding cancellation; true when it had to be killed.
    fn supervise(
        &self,
        child: &mut Child,
        run: &CustomRun,
        control: &Control,
        mut stdin: Option<std::process::ChildStdin>,
    ) -> bool {
        // Created cancelled: the first line already says so; only the grace period runs.
        let mut kill_at = run.is_cancelled().then(|| Instant::now() + self.grace);
        let mut killed = false;
        loop {
            match child.try_wait() {
                Ok(Some(_)) | Err(_) => return killed,
                Ok(None) => {}
            }
            match kill_at {
                None => {
                    if let Some(message) = control.wait_cancelled(Duration::from_millis(10)) {
                        let mut cancelled = run.clone();
                        cancelled.spec.status = SPEC_STATUS_CANCELLED.to_string();
                        cancelled.spec.status_message = message;
                        if let Some(pipe) = stdin.as_mut() {
                            let _ = pipe
                                .write_all(line(&cancelled).as_bytes())
                                .and_then(|()| pipe.flush());
                        }
                        signal_group(child, Signal::SIGTERM);
                        kill_at = Some(Instant::now() + self.grace);
                    }
                }
                Some(at) if Instant::now() >= at && !killed => {
                    signal_group(child, Signal::SIGKILL);
                    killed = true;
                    stdin = None;
                }
                Some(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }
}
