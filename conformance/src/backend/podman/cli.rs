//! Calling the `podman` command line with the project's containers.conf.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::backend::BackendError;

/// Longest any single podman call may take before it counts as hung.
pub const CALL_LIMIT: Duration = Duration::from_secs(60);

/// The podman CLI, run with `CONTAINERS_CONF` set.
#[derive(Debug, Clone)]
pub struct PodmanCli {
    conf: PathBuf,
}

impl PodmanCli {
    /// A CLI that uses the containers.conf at `conf`.
    pub fn new(conf: &Path) -> Self {
        Self {
            conf: conf.to_path_buf(),
        }
    }

    /// A `podman` command with the environment set.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("podman");
        command
            .env("CONTAINERS_CONF", &self.conf)
            .args(args)
            .stdin(Stdio::null());
        command
    }

    /// Runs `podman args...` to completion (at most [`CALL_LIMIT`]) and
    /// returns its output whatever its exit status. Fails when podman cannot
    /// be started or hangs.
    pub fn output(&self, args: &[&str]) -> Result<Output, BackendError> {
        let child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| BackendError::Run(format!("cannot run podman: {e}")))?;
        wait_output(child, CALL_LIMIT)
            .map_err(|e| BackendError::Run(format!("podman {}: {e}", args.join(" "))))
    }

    /// Like [`PodmanCli::output`], but a non-zero exit is an error carrying
    /// podman's stderr; returns stdout.
    pub fn ok(&self, args: &[&str]) -> Result<String, BackendError> {
        let out = self.output(args)?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(BackendError::Run(format!(
                "podman {} failed ({}): {}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }

    /// Starts `podman args...` in the background, output discarded.
    pub fn spawn(&self, args: &[&str]) -> Result<Child, BackendError> {
        self.command(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| BackendError::Run(format!("cannot run podman: {e}")))
    }
}

/// Waits for `child` at most `limit`, collecting its piped output; kills it
/// and fails when the limit passes.
pub fn wait_output(mut child: Child, limit: Duration) -> std::io::Result<Output> {
    // Read the pipes on threads so a chatty child cannot block on a full pipe.
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let read = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out_thread = read(stdout.map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let err_thread = read(stderr.map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no answer within {limit:?}"),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(Output {
        status,
        stdout: out_thread.join().unwrap_or_default(),
        stderr: err_thread.join().unwrap_or_default(),
    })
}
