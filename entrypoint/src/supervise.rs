//! Running the command: its own process group, every signal forwarded to that
//! group, a deadline, a cancel file, and zombie reaping when we are PID 1.
//!
//! Everything happens on the calling thread around [`Events`]: SIGCHLD, other
//! signals and changes of the cancel file's directory all arrive there.

use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::libc;
use nix::sys::signal::SigSet;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use crate::events::{Event, Events};
use crate::tee::{self, Stream};
use crate::wait::{has_content, RECHECK};

/// What to run and where its output goes.
#[derive(Debug, Clone, Default)]
pub struct ChildSpec {
    /// Program and arguments; the program is looked up in `PATH` like a shell does.
    pub command: Vec<String>,
    /// Environment variables to set or replace for the child.
    pub env: Vec<(String, String)>,
    pub stdout_path: Option<PathBuf>,
    pub stderr_path: Option<PathBuf>,
}

/// How the command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this status.
    Exited(i32),
    /// A signal killed it (the number).
    Signaled(i32),
    /// The deadline passed and the group was killed.
    TimedOut,
    /// The cancel file gained content and the group was killed.
    Cancelled,
}

/// Why the command could not be run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the command is empty")]
    EmptyCommand,
    #[error("command {0:?} not found (not a file, nor a program in PATH)")]
    NotFound(String),
    #[error("starting {program:?}: {source}")]
    Spawn { program: String, source: io::Error },
    #[error("opening {path}: {source}")]
    OutputFile { path: PathBuf, source: io::Error },
    #[error("copying output to {path}: {source}")]
    Copy { path: PathBuf, source: io::Error },
    #[error("supervising the command: {0}")]
    Io(#[from] io::Error),
}

fn kill_group(pgid: i32, signal: i32) {
    // SAFETY: kill(2) with a negative pid signals a process group; it has no memory effects.
    unsafe {
        libc::kill(-pgid, signal);
    }
}

/// Reaps what has exited; returns our child's status once it has ended.
/// As PID 1 every zombie is ours to reap, so any child is collected.
fn reap(child: Pid, reap_all: bool) -> io::Result<Option<WaitStatus>> {
    let target = if reap_all { Pid::from_raw(-1) } else { child };
    loop {
        match waitpid(target, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => return Ok(None),
            Ok(status @ (WaitStatus::Exited(pid, _) | WaitStatus::Signaled(pid, _, _)))
                if pid == child =>
            {
                return Ok(Some(status))
            }
            Ok(_) if reap_all => continue,
            Ok(_) => return Ok(None),
            Err(Errno::EINTR) => continue,
            Err(Errno::ECHILD) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
    }
}

/// Runs the command to its end.
///
/// The child leads a new process group; signals the wrapper receives (but
/// SIGCHLD) are sent to that whole group. When `timeout` passes, or when
/// `cancel_file` has content, the group is killed with SIGKILL. When the child
/// has ended, whatever is left of its group is killed too, as the end of a
/// container would, so that output pipes close and nothing is orphaned.
/// A failed copy to `-stdout_path`/`-stderr_path` is printed, not fatal.
pub fn run(
    events: &mut Events,
    spec: &ChildSpec,
    timeout: Option<Duration>,
    cancel_file: &Path,
) -> Result<Ended, RunError> {
    let (program, args) = spec.command.split_first().ok_or(RunError::EmptyCommand)?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .process_group(0);
    // The wrapper blocks nearly every signal (they are read from a signalfd);
    // the command must start with none blocked, or forwarded signals would
    // stay pending. std does not reset the mask, so do it between fork and exec.
    // SAFETY: pthread_sigmask is async-signal-safe and touches no shared state.
    unsafe {
        cmd.pre_exec(|| SigSet::empty().thread_set_mask().map_err(io::Error::from));
    }
    let outputs = [
        (Stream::Stdout, &spec.stdout_path),
        (Stream::Stderr, &spec.stderr_path),
    ];
    let mut files = Vec::new();
    for (stream, path) in outputs {
        if let Some(path) = path {
            let file = tee::open_append(path).map_err(|source| RunError::OutputFile {
                path: path.clone(),
                source,
            })?;
            files.push((stream, path.clone(), file));
            match stream {
                Stream::Stdout => cmd.stdout(Stdio::piped()),
                Stream::Stderr => cmd.stderr(Stdio::piped()),
            };
        }
    }
    let mut child = cmd.spawn().map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => RunError::NotFound(program.clone()),
        _ => RunError::Spawn {
            program: program.clone(),
            source,
        },
    })?;
    let mut copies = Vec::new();
    for (stream, path, file) in files {
        let handle = match stream {
            Stream::Stdout => child.stdout.take().map(|s| tee::spawn(s, stream, file)),
            Stream::Stderr => child.stderr.take().map(|s| tee::spawn(s, stream, file)),
        };
        copies.extend(handle.map(|h| (path, h)));
    }
    let pid = i32::try_from(child.id()).map_err(|_| io::Error::other("child pid out of range"))?;
    let ended = supervise(events, Pid::from_raw(pid), timeout, cancel_file);
    // Whatever the outcome, nothing of the group survives the step.
    kill_group(pid, libc::SIGKILL);
    // A copy that failed (disk full, say) is reported, but does not change the
    // command's outcome: upstream logs it the same way.
    for (path, handle) in copies {
        let source = match handle.join() {
            Ok(Ok(())) => continue,
            Ok(Err(source)) => source,
            Err(_) => io::Error::other("copy thread panicked"),
        };
        eprintln!("entrypoint: {}", RunError::Copy { path, source });
    }
    ended
}

fn supervise(
    events: &mut Events,
    child: Pid,
    timeout: Option<Duration>,
    cancel_file: &Path,
) -> Result<Ended, RunError> {
    let reap_all = std::process::id() == 1;
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut verdict: Option<Ended> = None;
    events.watch_parent_of(cancel_file);
    loop {
        if let Some(status) = reap(child, reap_all)? {
            return Ok(match (verdict, status) {
                (Some(v), _) => v,
                (None, WaitStatus::Exited(_, code)) => Ended::Exited(code),
                (None, WaitStatus::Signaled(_, sig, _)) => Ended::Signaled(sig as i32),
                (None, _) => Ended::Exited(1),
            });
        }
        if verdict.is_none() {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                verdict = Some(Ended::TimedOut);
            } else if has_content(cancel_file) {
                verdict = Some(Ended::Cancelled);
            }
            if verdict.is_some() {
                kill_group(child.as_raw(), libc::SIGKILL);
            }
        }
        let mut wait = RECHECK;
        if let (None, Some(d)) = (verdict, deadline) {
            wait = wait.min(d.saturating_duration_since(Instant::now()));
        }
        match events.next(wait)? {
            Event::Signal(libc::SIGCHLD) | Event::FsChange | Event::Timeout => {}
            Event::Signal(sig) => kill_group(child.as_raw(), sig),
        }
    }
}
