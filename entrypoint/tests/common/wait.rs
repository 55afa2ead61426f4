//! Waiting on events with hang-catching deadlines: a condition, a path, a
//! child process; and cleaning up after a child that hangs.

use std::fs;
use std::path::Path;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use super::{HANG, STILL_WAITING};

/// Polls `cond` until it holds or `deadline` passes; returns whether it held.
pub fn wait_until(deadline: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits for a path to exist, panicking after [`HANG`].
pub fn wait_for_path(path: &Path) {
    assert!(
        wait_until(HANG, || path.exists()),
        "{} did not appear within {:?}",
        path.display(),
        HANG
    );
}

/// Waits for a child to exit within [`HANG`] and returns its status; kills
/// it with all its descendants and panics otherwise.
pub fn wait_child(child: &mut Child) -> ExitStatus {
    let end = Instant::now() + HANG;
    loop {
        match child.try_wait() {
            Ok(Some(st)) => return st,
            Ok(None) => {}
            Err(e) => panic!("try_wait failed: {e}"),
        }
        if Instant::now() >= end {
            kill_tree(child.id());
            let _ = child.wait();
            panic!(
                "entrypoint (pid {}) still running after {HANG:?}",
                child.id()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// SIGKILLs `pid` and all its descendants (found through /proc), so a failed
/// test leaves no processes behind.
pub fn kill_tree(pid: u32) {
    let mut pids = vec![pid];
    let mut i = 0;
    while i < pids.len() {
        let parent = pids[i];
        if let Ok(dir) = fs::read_dir("/proc") {
            for e in dir.flatten() {
                let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else {
                    continue;
                };
                let Ok(stat) = fs::read_to_string(format!("/proc/{p}/stat")) else {
                    continue;
                };
                // Fields after the ")" closing the command name: state, ppid, ...
                let ppid = stat
                    .rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                    .and_then(|w| w.parse::<u32>().ok());
                if ppid == Some(parent) && !pids.contains(&p) {
                    pids.push(p);
                }
            }
        }
        i += 1;
    }
    for p in pids {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(p as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

/// Asserts the child is still running (waiting) after [`STILL_WAITING`];
/// panics naming `why` when it has exited.
pub fn assert_still_running(child: &mut Child, why: &str) {
    let end = Instant::now() + STILL_WAITING;
    while Instant::now() < end {
        if let Ok(Some(st)) = child.try_wait() {
            panic!("entrypoint exited ({st}) but should still be waiting: {why}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
