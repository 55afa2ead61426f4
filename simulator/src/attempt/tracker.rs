//! The state of a Pod's main containers during an attempt, and the
//! controller's reactions to exits, probe results, cancellation and deadlines.

use std::path::Path;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Container;
use nix::sys::signal::Signal;

use super::support::{read_entries, write_downward};
use crate::controller::{Observer, State};
use crate::plan::RunPlan;
use crate::process::{signal_group, Exit};
use crate::status::{self, Ending};
use crate::termination::Entry;

/// How long to wait for killed processes to be reaped before giving up.
const REAP_GUARD: Duration = Duration::from_secs(5);

pub(super) struct Tracker<'a> {
    plan: &'a RunPlan,
    containers: &'a [Container],
    downward: Option<&'a Path>,
    /// Container index of each step / sidecar of the plan.
    pub step_containers: Vec<Option<usize>>,
    pub sidecar_containers: Vec<Option<usize>>,
    step_of: Vec<Option<usize>>,
    sidecar_of: Vec<Option<usize>>,
    pub pids: Vec<Option<u32>>,
    pub exits: Vec<Option<Exit>>,
    pub entries: Vec<Vec<Entry>>,
    /// Stopped by the controller once the steps were done (the local form of
    /// upstream's nop-image swap, which ends the container with exit 0).
    pub stopped: Vec<bool>,
    pub ready: Vec<bool>,
    pub ending: Option<Ending>,
    pub cancelled: bool,
    steps_left: usize,
    sidecars_stopped: bool,
    kill_at: Option<Instant>,
    guard_at: Option<Instant>,
}

impl<'a> Tracker<'a> {
    pub fn new(plan: &'a RunPlan, containers: &'a [Container], downward: Option<&'a Path>) -> Self {
        let index_of = |name: &str| containers.iter().position(|c| c.name == name);
        let step_containers: Vec<Option<usize>> =
            plan.steps.iter().map(|s| index_of(&s.container)).collect();
        let sidecar_containers: Vec<Option<usize>> = plan
            .sidecars
            .iter()
            .map(|s| index_of(&s.container))
            .collect();
        let n = containers.len();
        let mut step_of = vec![None; n];
        for (j, k) in step_containers.iter().enumerate() {
            if let Some(k) = k {
                step_of[*k] = Some(j);
            }
        }
        let mut sidecar_of = vec![None; n];
        for (s, k) in sidecar_containers.iter().enumerate() {
            if let Some(k) = k {
                sidecar_of[*k] = Some(s);
            }
        }
        Self {
            plan,
            containers,
            downward,
            steps_left: step_containers.iter().flatten().count(),
            step_containers,
            sidecar_containers,
            step_of,
            sidecar_of,
            pids: vec![None; n],
            exits: vec![None; n],
            entries: vec![Vec::new(); n],
            stopped: vec![false; n],
            ready: vec![false; plan.sidecars.len()],
            ending: None,
            cancelled: false,
            sidecars_stopped: false,
            kill_at: None,
            guard_at: None,
        }
    }

    /// Whether every container has ended.
    pub fn all_ended(&self) -> bool {
        self.exits.iter().all(Option::is_some)
    }

    /// The next moment something must happen without an event.
    pub fn deadline(&self, timeout_at: Option<Instant>) -> Option<Instant> {
        [
            timeout_at.filter(|_| self.ending.is_none()),
            self.kill_at,
            self.guard_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Exit of container `k` as Kubernetes reports it: a sidecar stopped by
    /// the controller counts as `Completed` with exit code 0.
    pub fn container_exit(&self, k: usize) -> Option<(i32, &'static str)> {
        let exit = self.exits[k]?;
        Some(match (self.stopped[k], exit.code) {
            (true, _) | (false, 0) => (0, "Completed"),
            (false, code) => (code, "Error"),
        })
    }

    fn running(&self) -> Vec<(usize, u32)> {
        self.pids
            .iter()
            .enumerate()
            .filter(|(k, _)| self.exits[*k].is_none())
            .filter_map(|(k, pid)| pid.map(|p| (k, p)))
            .collect()
    }

    fn kill_all(&mut self) {
        for (_, pid) in self.running() {
            signal_group(pid, Signal::SIGKILL);
        }
        self.kill_at = None;
        self.guard_at = Some(Instant::now() + REAP_GUARD);
    }

    /// Marks sidecar `s` ready; once all are, writes `READY` and lets step 0 go.
    pub fn sidecar_ready(&mut self, s: usize, observer: &mut dyn Observer) {
        if self.ready[s] {
            return;
        }
        self.ready[s] = true;
        observer.state(&self.plan.sidecars[s].container, &State::Ready);
        if self.ready.iter().all(|r| *r) && self.ending.is_none() {
            write_downward(self.downward, "ready", "READY");
            self.first_step_runs(observer);
        }
    }

    /// Reports step 0 as running (no sidecars to wait for, or all ready).
    pub fn first_step_runs(&self, observer: &mut dyn Observer) {
        if let Some(first) = self.plan.steps.first() {
            observer.state(&first.container, &State::Running);
        }
    }

    /// Container `k` ended with `exit`; `termination` is its message file.
    pub fn exited(
        &mut self,
        k: usize,
        exit: Exit,
        termination: &Path,
        observer: &mut dyn Observer,
        sidecar_grace: Duration,
        cancel_grace: Duration,
    ) {
        if self.exits[k].is_some() {
            return;
        }
        self.exits[k] = Some(exit);
        if let Some(pid) = self.pids[k] {
            // The container's main process is gone: so is the rest of its group.
            signal_group(pid, Signal::SIGKILL);
        }
        let name = &self.containers[k].name;
        if let Some(j) = self.step_of[k] {
            self.steps_left -= 1;
            self.entries[k] = read_entries(termination);
            let t = status::step_terminated(&exit, &self.entries[k], self.ending.is_some());
            observer.state(
                name,
                &State::Ended {
                    reason: t.reason,
                    exit_code: t.exit_code,
                },
            );
            if let Some(Some(next)) = self.step_containers.get(j + 1) {
                if self.exits[*next].is_none() {
                    observer.state(&self.containers[*next].name, &State::Running);
                }
            }
        } else {
            let (exit_code, reason) = self.container_exit(k).unwrap_or((exit.code, "Error"));
            observer.state(
                name,
                &State::Ended {
                    reason: reason.to_string(),
                    exit_code,
                },
            );
            let unready = self.sidecar_of[k].is_some_and(|s| !self.ready[s]);
            if unready && self.steps_left > 0 && self.ending.is_none() {
                self.ending = Some(Ending::SidecarFailed(format!(
                    "sidecar {name:?} exited with code {} before it was ready",
                    exit.code
                )));
                write_downward(self.downward, "cancel", "CANCEL");
                self.kill_at = Some(Instant::now() + cancel_grace);
            }
        }
        if self.steps_left == 0 && !self.sidecars_stopped {
            self.sidecars_stopped = true;
            for (k, pid) in self.running() {
                signal_group(pid, Signal::SIGTERM);
                self.stopped[k] = true;
                observer.state(&self.containers[k].name, &State::Stopping);
            }
            let stop_by = Instant::now() + sidecar_grace;
            self.kill_at = Some(self.kill_at.map_or(stop_by, |at| at.min(stop_by)));
        }
    }

    /// A cancel request: every container is killed at once.
    pub fn cancel(&mut self) {
        self.cancelled = true;
        self.ending = Some(Ending::Cancelled);
        write_downward(self.downward, "cancel", "CANCEL");
        self.kill_all();
    }

    /// A deadline passed. Returns `false` when waiting for exits is pointless
    /// (killed processes did not go away within the reap guard).
    pub fn deadline_passed(
        &mut self,
        timeout_at: Option<Instant>,
        timed_out: impl FnOnce() -> Ending,
        cancel_grace: Duration,
    ) -> bool {
        let now = Instant::now();
        if self.guard_at.is_some_and(|at| at <= now) {
            return false;
        }
        if self.kill_at.is_some_and(|at| at <= now) {
            self.kill_all();
        } else if self.ending.is_none() && timeout_at.is_some_and(|at| at <= now) {
            self.ending = Some(timed_out());
            write_downward(self.downward, "cancel", "CANCEL");
            self.kill_at = Some(now + cancel_grace);
        }
        true
    }
}
