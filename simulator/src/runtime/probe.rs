//! Readiness probing of sidecars, one thread per probed sidecar.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

/// A probe with container paths already mapped to host paths.
#[derive(Debug, Clone)]
pub enum HostCheck {
    /// Run this program with these arguments in this directory.
    Exec {
        /// argv, mapped.
        argv: Vec<String>,
        /// Working directory.
        dir: PathBuf,
        /// Environment.
        env: Vec<(String, String)>,
    },
    /// Ready once this host path exists.
    File(PathBuf),
}

/// How long one exec probe may take (Kubernetes' default `timeoutSeconds`).
const EXEC_TIMEOUT: Duration = Duration::from_secs(1);

impl HostCheck {
    /// Runs the check once. An exec probe that cannot start or outlives its
    /// one-second timeout (it is then killed) counts as not ready.
    pub fn passes(&self) -> bool {
        match self {
            HostCheck::File(path) => path.exists(),
            HostCheck::Exec { argv, dir, env } => {
                let Some((program, args)) = argv.split_first() else {
                    return false;
                };
                let child = Command::new(program)
                    .args(args)
                    .current_dir(dir)
                    .env_clear()
                    .envs(env.iter().map(|(k, v)| (k, v)))
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn();
                let Ok(mut child) = child else {
                    return false;
                };
                let deadline = Instant::now() + EXEC_TIMEOUT;
                loop {
                    match child.try_wait() {
                        Ok(Some(status)) => return status.success(),
                        Ok(None) if Instant::now() < deadline => {
                            thread::sleep(Duration::from_millis(2))
                        }
                        _ => {
                            let _ = child.kill();
                            let _ = child.wait();
                            return false;
                        }
                    }
                }
            }
        }
    }
}

/// Starts a thread that waits `initial_delay`, then runs `check` every
/// `period` until it passes, and then calls `ready` once. Dropping or
/// sending on the returned `Sender` stops the thread at its next wait.
pub fn start(
    check: HostCheck,
    initial_delay: Duration,
    period: Duration,
    ready: impl FnOnce() + Send + 'static,
) -> Sender<()> {
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let spawned = thread::Builder::new()
        .name("probe".to_string())
        .spawn(move || {
            if !initial_delay.is_zero() && stopped(&stop_rx, initial_delay) {
                return;
            }
            loop {
                if check.passes() {
                    ready();
                    return;
                }
                if stopped(&stop_rx, period) {
                    return;
                }
            }
        });
    if spawned.is_err() {
        // Without a probe thread the sidecar never becomes ready; the run's
        // timeout or Ctrl-C still ends it.
    }
    stop_tx
}

fn stopped(stop: &Receiver<()>, wait: Duration) -> bool {
    !matches!(stop.recv_timeout(wait), Err(RecvTimeoutError::Timeout))
}
