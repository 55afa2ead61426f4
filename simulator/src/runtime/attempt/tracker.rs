//! The state of a Pod's main containers during an attempt, and the
//! controller's reactions to exits, probe results, cancellation and deadlines.

use std::path::Path;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Container;
use nix::sys::signal::Signal;

use super::order::ViewOrder;
use super::support::{read_entries, write_downward};
use crate::plan::RunPlan;
use crate::runtime::controller::{Observer, RunOptions, State};
use crate::runtime::process::{signal_group, Exit};
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
    sidecar_grace: Duration,
    cancel_grace: Duration,
    /// When step containers still running after `CANCEL` are killed.
    steps_kill_at: Option<Instant>,
    /// When sidecars still running after SIGTERM are killed.
    sidecars_kill_at: Option<Instant>,
    guard_at: Option<Instant>,
    /// What the observer is told about steps, in causal order.
    order: ViewOrder,
}

impl<'a> Tracker<'a> {
    pub fn new(
        plan: &'a RunPlan,
        containers: &'a [Container],
        downward: Option<&'a Path>,
        options: &RunOptions,
    ) -> Self {
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
        let order = ViewOrder::new(
            containers,
            step_containers.iter().flatten().copied().collect(),
        );
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
            sidecar_grace: options.sidecar_grace,
            cancel_grace: options.cancel_grace,
            steps_kill_at: None,
            sidecars_kill_at: None,
            guard_at: None,
            order,
        }
    }

    /// Started containers that have not ended: (steps, others).
    pub fn unfinished(&self) -> (Vec<usize>, Vec<usize>) {
        let live = |k: &usize| self.pids[*k].is_some() && self.exits[*k].is_none();
        let (steps, others): (Vec<usize>, Vec<usize>) = (0..self.containers.len())
            .filter(live)
            .partition(|k| self.step_of[*k].is_some());
        (steps, others)
    }

    /// The attempt is stuck (see `stuck.rs`): it ends with `why`, `CANCEL`
    /// is written and the waiting steps are killed at once (there is
    /// nothing for them to finish); sidecars are stopped as usual once the
    /// steps are gone.
    pub fn stuck(&mut self, why: String) {
        if self.ending.is_some() {
            return;
        }
        self.ending = Some(Ending::Stuck(why));
        write_downward(self.downward, "cancel", "CANCEL");
        self.steps_kill_at = None;
        let steps = self.step_of.clone();
        self.kill(|k| steps[k].is_some());
    }

    /// Whether every container has ended.
    pub fn all_ended(&self) -> bool {
        self.exits.iter().all(Option::is_some)
    }

    /// The next moment something must happen without an event;
    /// `controller_at` (timeout, planned cancel) counts while the attempt has
    /// no ending yet.
    pub fn deadline(&self, controller_at: Option<Instant>) -> Option<Instant> {
        [
            controller_at.filter(|_| self.ending.is_none()),
            self.steps_kill_at,
            self.sidecars_kill_at,
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

    /// SIGKILLs the running containers `which` selects, then gives their
    /// exits [`REAP_GUARD`] to arrive.
    fn kill(&mut self, which: impl Fn(usize) -> bool) {
        for (k, pid) in self.running() {
            if which(k) {
                signal_group(pid, Signal::SIGKILL);
            }
        }
        let guard = Instant::now() + REAP_GUARD;
        self.guard_at = Some(self.guard_at.map_or(guard, |at| at.min(guard)));
    }

    /// Marks sidecar `s` ready; once all are, writes `READY` and lets step 0 go.
    pub fn sidecar_ready(&mut self, s: usize, observer: &mut dyn Observer) {
        if self.ready[s] {
            return;
        }
        self.ready[s] = true;
        observer.state(&self.plan.sidecars[s].container, &State::Ready);
        if self.ready.iter().all(|r| *r) && self.ending.is_none() {
            self.write_ready();
            self.first_step_runs(observer);
        }
    }

    /// Writes `READY` into the downward volume, as the controller's
    /// annotation does once every sidecar is ready.
    pub fn write_ready(&self) {
        write_downward(self.downward, "ready", "READY");
    }

    /// Reports step 0 as running (no sidecars to wait for, or all ready).
    pub fn first_step_runs(&mut self, observer: &mut dyn Observer) {
        if let Some(Some(first)) = self.step_containers.first() {
            self.order
                .running(*first, &self.containers[*first].name, observer);
        }
    }

    /// The attempt is over: every step end still held back is reported.
    pub fn flush_view(&mut self, observer: &mut dyn Observer) {
        self.order.flush(self.containers, observer, true);
    }

    /// Container `k` ended with `exit`; `termination` is its message file.
    pub fn exited(
        &mut self,
        k: usize,
        exit: Exit,
        termination: &Path,
        observer: &mut dyn Observer,
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
        observer.exited(name);
        if self.step_of[k].is_some() {
            self.steps_left -= 1;
            self.entries[k] = read_entries(termination);
            let t = status::step_terminated(&exit, &self.entries[k], self.ending.is_some());
            let ended = State::Ended {
                reason: t.reason,
                exit_code: t.exit_code,
            };
            self.order.ended(k, ended, self.containers, observer);
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
            if unready && self.steps_left > 0 {
                let why = format!(
                    "sidecar {name:?} exited with code {} before it was ready",
                    exit.code
                );
                self.stop(Ending::SidecarFailed(why), observer);
            }
        }
        if self.steps_left == 0 {
            self.stop_sidecars(observer);
        }
    }

    /// Once every step has ended: SIGTERM to the running sidecars (the local
    /// nop-image swap), SIGKILL after the sidecar grace period.
    fn stop_sidecars(&mut self, observer: &mut dyn Observer) {
        if self.sidecars_stopped {
            return;
        }
        self.sidecars_stopped = true;
        self.steps_kill_at = None;
        let sidecars = self.running();
        if sidecars.is_empty() {
            return;
        }
        for (k, pid) in sidecars {
            signal_group(pid, Signal::SIGTERM);
            self.stopped[k] = true;
            observer.state(&self.containers[k].name, &State::Stopping);
        }
        self.sidecars_kill_at = Some(Instant::now() + self.sidecar_grace);
    }

    /// The controller ends the attempt with `ending` the way upstream's
    /// cancels a TaskRun: `CANCEL` into the downward `cancel` file, the step
    /// containers get the cancel grace period to end by themselves (their
    /// entrypoints stop the running command, later steps skip), then the
    /// rest is killed; sidecars are stopped once the steps are done. Does
    /// nothing when the attempt already has an ending or its steps are done.
    pub fn stop(&mut self, ending: Ending, observer: &mut dyn Observer) {
        if self.ending.is_some() || self.steps_left == 0 {
            return;
        }
        self.ending = Some(ending);
        write_downward(self.downward, "cancel", "CANCEL");
        for (j, k) in self.step_containers.iter().enumerate() {
            if let Some(k) = *k {
                if self.exits[k].is_none() && self.pids[k].is_some() {
                    observer.state(&self.plan.steps[j].container, &State::Stopping);
                }
            }
        }
        self.steps_kill_at = Some(Instant::now() + self.cancel_grace);
    }

    /// A graceful cancel request ([`Tracker::stop`] with `Cancelled`); no
    /// further attempt starts.
    /// `why` is the TaskRun's `spec.statusMessage`.
    pub fn cancel(&mut self, why: String, observer: &mut dyn Observer) {
        self.cancelled = true;
        self.stop(Ending::Cancelled(why), observer);
    }

    /// A hard stop (Ctrl-C): every container is killed at once.
    pub fn interrupt(&mut self) {
        self.cancelled = true;
        self.ending = Some(Ending::Cancelled(String::new()));
        write_downward(self.downward, "cancel", "CANCEL");
        self.steps_kill_at = None;
        self.sidecars_kill_at = None;
        self.kill(|_| true);
    }

    /// Handles the tracker's own deadlines that passed by `now` (grace
    /// periods). Returns `false` when waiting for exits is pointless (killed
    /// processes did not go away within the reap guard).
    pub fn deadline_passed(&mut self, now: Instant) -> bool {
        if self.guard_at.is_some_and(|at| at <= now) {
            return false;
        }
        if self.steps_kill_at.is_some_and(|at| at <= now) {
            self.steps_kill_at = None;
            let steps = self.step_of.clone();
            self.kill(|k| steps[k].is_some());
        }
        if self.sidecars_kill_at.is_some_and(|at| at <= now) {
            self.sidecars_kill_at = None;
            self.kill(|_| true);
        }
        true
    }
}
