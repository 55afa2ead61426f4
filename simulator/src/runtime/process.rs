//! Containers as host processes: spawning one in its own session with the
//! container's command, environment and working directory mapped onto the
//! Pod filesystem, exit notification, and killing what is left.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::SystemTime;

use k8s_openapi::api::core::v1::Container;
use nix::sys::signal::{kill, killpg, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;

use crate::runtime::isolation::Mode;
use crate::runtime::podfs::ContainerFs;
use crate::runtime::sandbox::{self, Sandbox};
use crate::runtime::spawn::{spawn_session, SpawnRequest};

/// Why a container could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// The container has no command (an image's ENTRYPOINT cannot be looked up locally).
    #[error("container {0:?} has no command; podsim cannot look up an image's entrypoint")]
    NoCommand(String),
    /// Preparing or starting the process failed.
    #[error("container {container:?}: {action}: {source}")]
    Io {
        /// The container.
        container: String,
        /// What was being done.
        action: String,
        /// The error.
        source: io::Error,
    },
}

/// How a container process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit {
    /// Exit code; `128 + signal` when killed by a signal.
    pub code: i32,
    /// The signal that killed it, if any.
    pub signal: Option<i32>,
    /// When the exit was observed.
    pub at: SystemTime,
}

impl Exit {
    /// Converts a wait status observed at `at`.
    pub fn from_status(status: ExitStatus, at: SystemTime) -> Self {
        match (status.code(), status.signal()) {
            (Some(code), _) => Self {
                code,
                signal: None,
                at,
            },
            (None, Some(sig)) => Self {
                code: 128 + sig,
                signal: Some(sig),
                at,
            },
            (None, None) => Self {
                code: 1,
                signal: None,
                at,
            },
        }
    }
}

/// Starts `container` as a process in a new session (so its process group
/// id equals its pid), with `command + args` and env values rewritten by
/// `cfs`, stdout and stderr appended to the container's log file, stdin
/// closed, a clean environment (`PATH` from the host, `HOME`, `HOSTNAME`,
/// `ENTRYPOINT_TEKTON_ROOT`, then the container's `env`), and the mapped
/// working directory (created when missing). `env` entries using
/// `valueFrom` are skipped.
pub fn spawn(
    container: &Container,
    cfs: &ContainerFs<'_>,
    hostname: &str,
    mode: Mode,
) -> Result<u32, SpawnError> {
    if mode == Mode::Namespaces {
        return spawn_isolated(container, cfs, hostname);
    }
    let err = |action: &str| {
        let container = container.name.clone();
        let action = action.to_string();
        move |source| SpawnError::Io {
            container,
            action,
            source,
        }
    };
    let mut argv: Vec<String> = container
        .command
        .iter()
        .flatten()
        .chain(container.args.iter().flatten())
        .map(|a| cfs.rewrite(a))
        .collect();
    if container.command.as_ref().is_none_or(Vec::is_empty) || argv.is_empty() {
        return Err(SpawnError::NoCommand(container.name.clone()));
    }
    let program = argv.remove(0);
    let log = cfs.log_file();
    let output: File = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .map_err(err("open log"))?;
    let workdir: PathBuf = match container.working_dir.as_deref() {
        Some(dir) if !dir.is_empty() => cfs.map_dir(dir),
        _ => cfs.dir().join("fs"),
    };
    fs::create_dir_all(&workdir).map_err(err("create working directory"))?;

    let mut env: Vec<(String, String)> = vec![
        (
            "PATH".to_string(),
            std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".to_string()),
        ),
        (
            "HOME".to_string(),
            cfs.dir().join("fs").to_string_lossy().into_owned(),
        ),
        ("HOSTNAME".to_string(), hostname.to_string()),
        (
            "ENTRYPOINT_TEKTON_ROOT".to_string(),
            cfs.tekton_root().to_string_lossy().into_owned(),
        ),
    ];
    for var in container.env.iter().flatten() {
        if let Some(value) = &var.value {
            env.retain(|(k, _)| *k != var.name);
            env.push((var.name.clone(), cfs.rewrite(value)));
        }
    }
    let request = SpawnRequest {
        program: &program,
        args: &argv,
        env: &env,
        dir: &workdir,
        output: &output,
    };
    spawn_session(&request).map_err(err(&format!("start {program}")))
}

/// [`spawn`] in namespace mode: the container's own command, environment
/// and working directory (default `/`), unrewritten, in a mount namespace
/// of its own (see [`sandbox`]).
fn spawn_isolated(
    container: &Container,
    cfs: &ContainerFs<'_>,
    hostname: &str,
) -> Result<u32, SpawnError> {
    let err = |action: &str| {
        let container = container.name.clone();
        let action = action.to_string();
        move |source| SpawnError::Io {
            container,
            action,
            source,
        }
    };
    let argv: Vec<String> = container
        .command
        .iter()
        .flatten()
        .chain(container.args.iter().flatten())
        .cloned()
        .collect();
    if container.command.as_ref().is_none_or(Vec::is_empty) || argv.is_empty() {
        return Err(SpawnError::NoCommand(container.name.clone()));
    }
    let output: File = OpenOptions::new()
        .create(true)
        .append(true)
        .open(cfs.log_file())
        .map_err(err("open log"))?;
    let home = if crate::runtime::isolation::is_root() {
        "/root"
    } else {
        "/"
    };
    let mut env: Vec<(String, String)> = vec![
        (
            "PATH".to_string(),
            std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".to_string()),
        ),
        ("HOME".to_string(), home.to_string()),
        ("HOSTNAME".to_string(), hostname.to_string()),
    ];
    for var in container.env.iter().flatten() {
        if let Some(value) = &var.value {
            env.retain(|(k, _)| *k != var.name);
            env.push((var.name.clone(), value.clone()));
        }
    }
    let workdir = container
        .working_dir
        .as_deref()
        .filter(|d| d.starts_with('/'))
        .unwrap_or("/");
    let request = Sandbox {
        dir: cfs.dir(),
        binds: cfs.binds(),
        argv: &argv,
        env: &env,
        workdir,
        output: &output,
    };
    sandbox::spawn(&request).map_err(err(&format!("start {} in its namespace", argv[0])))
}

/// Waits for the child `pid` (started by [`spawn`]) to end.
pub fn wait(pid: u32) -> Exit {
    let target = Pid::from_raw(pid as i32);
    loop {
        let status = waitpid(target, None);
        // The end time is when waitpid returned, not when waiting began.
        let at = SystemTime::now();
        match status {
            Ok(WaitStatus::Exited(_, code)) => {
                return Exit {
                    code,
                    signal: None,
                    at,
                }
            }
            Ok(WaitStatus::Signaled(_, sig, _)) => {
                return Exit {
                    code: 128 + sig as i32,
                    signal: Some(sig as i32),
                    at,
                }
            }
            Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => {
                return Exit {
                    code: 1,
                    signal: None,
                    at,
                }
            }
        }
    }
}

/// Sends `signal` to the process group `pgid`; a group that is gone is not an error.
pub fn signal_group(pgid: u32, signal: Signal) {
    if let Ok(raw) = i32::try_from(pgid) {
        let _ = killpg(Pid::from_raw(raw), signal);
    }
}

/// SIGKILLs every process whose session id is in `sessions` (the containers'
/// pids), repeating until none is found or `rounds` scans are done, so that
/// grandchildren in other process groups of the session (the entrypoint runs
/// its command in a group of its own) are gone too. Returns how many
/// processes were signalled.
pub fn kill_sessions(sessions: &HashSet<i32>, rounds: usize) -> usize {
    let mut total = 0;
    for _ in 0..rounds {
        let found: Vec<i32> = session_members(sessions);
        if found.is_empty() {
            break;
        }
        for pid in &found {
            let _ = kill(Pid::from_raw(*pid), Signal::SIGKILL);
        }
        total += found.len();
    }
    total
}

/// Pids of live (non-zombie) processes whose session id is in `sessions`.
/// Reads `/proc/<pid>/stat` of every process on the machine into one reused
/// buffer (the scan's cost grows with the machine's process count, so it
/// avoids per-process allocations); unreadable entries are skipped.
pub fn session_members(sessions: &HashSet<i32>) -> Vec<i32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut path = String::with_capacity(32);
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        path.clear();
        let _ = write!(path, "/proc/{pid}/stat");
        buf.clear();
        if File::open(&path)
            .and_then(|mut f| f.read_to_end(&mut buf))
            .is_err()
        {
            continue;
        }
        if in_sessions(&buf, sessions) {
            found.push(pid);
        }
    }
    found
}

/// Whether a `/proc/<pid>/stat` line is a live process of one of `sessions`.
fn in_sessions(stat: &[u8], sessions: &HashSet<i32>) -> bool {
    // Fields after the command name (which may hold spaces and parentheses).
    let Some(close) = stat.iter().rposition(|b| *b == b')') else {
        return false;
    };
    let Ok(rest) = std::str::from_utf8(&stat[close + 1..]) else {
        return false;
    };
    let mut fields = rest.split_ascii_whitespace();
    let state = fields.next().unwrap_or("Z");
    let session = fields.nth(2).and_then(|s| s.parse::<i32>().ok());
    state != "Z" && state != "X" && session.is_some_and(|s| sessions.contains(&s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_state_and_session_from_stat() {
        let sessions = HashSet::from([42]);
        let line = b"123 (odd) name) S 1 123 42 0 -1 4194560";
        assert!(in_sessions(line, &sessions));
        assert!(!in_sessions(b"123 (x) Z 1 123 42 0", &sessions));
        assert!(!in_sessions(b"123 (x) S 1 123 43 0", &sessions));
        assert!(!in_sessions(b"garbage", &sessions));
    }

    #[test]
    fn finds_this_process_by_its_session() {
        let own = nix::unistd::getsid(None).map(|p| p.as_raw()).unwrap_or(-1);
        let members = session_members(&HashSet::from([own]));
        assert!(
            members.contains(&(std::process::id() as i32)),
            "{members:?}"
        );
    }
}
