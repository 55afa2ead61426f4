//! Hang diagnosis during an attempt: the Pod is stuck when every unfinished
//! step waits on a file that is missing and that nobody who can still act
//! could write, seen through the mounts of each container.

use std::path::PathBuf;

use super::tracker::Tracker;
use super::Attempt;
use crate::runtime::isolation::Mode;
use crate::runtime::podfs::ContainerFs;

use crate::render::DOWNWARD_VOLUME;
use crate::runtime::waits::{explain, Gate, Location};

/// The containers' gates and a way to look at the files they wait on.
pub(super) struct Diagnosis {
    gates: Vec<Gate>,
}

/// What the diagnosis needs to know about the attempt right now.
pub(super) struct Snapshot<'s> {
    /// Step containers that started and have not ended.
    pub unfinished_steps: &'s [usize],
    /// Other containers (sidecars) that started and have not ended.
    pub unfinished_others: &'s [usize],
    /// Whether file `path` (a container path) of container `k` exists, as
    /// that container sees it.
    pub exists: &'s dyn Fn(usize, &str) -> bool,
}

impl Diagnosis {
    /// The gates of the Pod's main containers, in order.
    pub fn new(gates: Vec<Gate>) -> Self {
        Self { gates }
    }

    /// The first missing file step `k` still waits for (a wait ends when
    /// the file or its `.err` twin exists).
    fn blocked_on(&self, k: usize, exists: &dyn Fn(usize, &str) -> bool) -> Option<&str> {
        self.gates[k]
            .waits
            .iter()
            .find(|w| !exists(k, w) && !exists(k, &format!("{w}.err")))
            .map(String::as_str)
    }

    /// The files the unfinished steps wait on, when every one of them waits.
    pub fn all_waiting(&self, now: &Snapshot<'_>) -> Option<Vec<(usize, String)>> {
        if now.unfinished_steps.is_empty() {
            return None;
        }
        now.unfinished_steps
            .iter()
            .map(|&k| self.blocked_on(k, now.exists).map(|f| (k, f.to_string())))
            .collect()
    }

    /// Why the attempt is stuck, one sentence per waiting step joined by
    /// `; `, or `None` while some unfinished step is not waiting or some
    /// waited-on file could still be written (by the controller, through
    /// the downward volume, or by a running sidecar that mounts its
    /// volume).
    pub fn stuck(&self, now: &Snapshot<'_>) -> Option<String> {
        let waiting = self.all_waiting(now)?;
        for (k, file) in &waiting {
            if let Location::Volume { volume, .. } = self.gates[*k].locate(file) {
                let writable = volume == DOWNWARD_VOLUME
                    || now
                        .unfinished_others
                        .iter()
                        .any(|&o| self.gates[o].writes_volume(&volume));
                if writable {
                    return None;
                }
            }
        }
        let waiters: Vec<usize> = waiting.iter().map(|(k, _)| *k).collect();
        let is_stuck = |g: usize| waiters.contains(&g);
        let lines: Vec<String> = waiting
            .iter()
            .map(|(k, file)| explain(&self.gates, *k, file, &is_stuck))
            .collect();
        Some(lines.join("; "))
    }
}

/// Whether `pid` is a live process (not gone, not a zombie awaiting its
/// reaper, not in the middle of exiting with its filesystem view already
/// released): a container whose process ends is not waiting on anything.
pub(super) fn alive(pid: u32) -> bool {
    std::fs::read_link(format!("/proc/{pid}/root")).is_ok()
        && std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            stat.rsplit_once(") ")
                .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X'))
        })
}

/// `/proc/<pid>/root/<path>`: a container path as seen from the host
/// through a live process of that container.
pub(super) fn through_root(pid: u32, path: &str) -> PathBuf {
    PathBuf::from(format!("/proc/{pid}/root")).join(path.trim_start_matches('/'))
}

impl Attempt<'_> {
    /// Ends the attempt as stuck when the diagnosis proves it.
    pub(super) fn check_stuck(
        &self,
        diagnosis: &Diagnosis,
        cfss: &[ContainerFs<'_>],
        mode: Mode,
        tracker: &mut Tracker<'_>,
    ) {
        if tracker.ending.is_some() {
            return;
        }
        let (steps, others) = tracker.unfinished();
        let exists = |k: usize, path: &str| file_exists(&cfss[k], mode, tracker.pids[k], path);
        let snapshot = Snapshot {
            unfinished_steps: &steps,
            unfinished_others: &others,
            exists: &exists,
        };
        if let Some(why) = diagnosis.stuck(&snapshot) {
            tracker.stuck(why);
        }
    }

    /// `--hang-timeout` passed without an event: stuck if every unfinished
    /// step is still waiting.
    pub(super) fn check_hang_timeout(
        &self,
        diagnosis: &Diagnosis,
        cfss: &[ContainerFs<'_>],
        mode: Mode,
        tracker: &mut Tracker<'_>,
    ) {
        let (steps, others) = tracker.unfinished();
        let exists = |k: usize, path: &str| file_exists(&cfss[k], mode, tracker.pids[k], path);
        let snapshot = Snapshot {
            unfinished_steps: &steps,
            unfinished_others: &others,
            exists: &exists,
        };
        if let Some(waiting) = diagnosis.all_waiting(&snapshot) {
            let limit = humantime::format_duration(self.options.hang_timeout.unwrap_or_default());
            let why: Vec<String> = waiting
                .iter()
                .map(|(k, file)| {
                    format!(
                        "'{}' still waits for {file} after the hang timeout ({limit})",
                        cfss[*k].name()
                    )
                })
                .collect();
            tracker.stuck(why.join("; "));
        }
    }
}

/// Whether container path `path` exists as the container sees it: through
/// the path mapping, or through its process's root in namespace mode.
/// A container whose process is gone counts as having every file (it waits
/// on nothing).
fn file_exists(cfs: &ContainerFs<'_>, mode: Mode, pid: Option<u32>, path: &str) -> bool {
    if pid.is_some_and(|pid| !alive(pid)) {
        return true;
    }
    match (mode, pid) {
        (Mode::Namespaces, Some(pid)) => match cfs.map_mounted(path) {
            Some(host) => host.exists(),
            None => through_root(pid, path).exists(),
        },
        _ => cfs.map_private(path).is_some_and(|p| p.exists()),
    }
}
