//! One attempt of a run: a fresh Pod directory, init containers one after
//! another, then every container at once, with the controller's duties
//! (READY once sidecars are ready, CANCEL on a cancel request or the timeout,
//! stopping sidecars when the steps are done) driven by exit and probe events.

mod order;
mod report;
mod stuck;
mod support;
mod tracker;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Instant, SystemTime};

use k8s_openapi::api::core::v1::Container;
use nix::sys::signal::Signal;

use crate::plan::RunPlan;
use crate::render::DOWNWARD_VOLUME;
use crate::runtime::controller::{
    next_event, watch_exit, ContainerLog, Event, Observer, RunError, RunOptions, State, Target,
};
use crate::runtime::isolation::Mode;
use crate::runtime::podfs::{ContainerFs, PodFs};
use crate::runtime::probe;
use crate::runtime::process::{kill_sessions, signal_group, spawn, Exit};
use crate::runtime::waits::Gate;
use crate::status::Ending;
use support::{host_check, localize_scripts};
use tracker::Tracker;

pub(crate) struct Attempt<'a> {
    n: u32,
    plan: &'a RunPlan,
    options: &'a RunOptions,
    tx: &'a Sender<Event>,
    cancel_at: Option<Instant>,
}

pub(crate) struct AttemptOutcome {
    pub status: crate::status::RunStatus,
    pub cancelled: bool,
    pub kept: Option<PathBuf>,
    pub logs: Vec<ContainerLog>,
}

/// What the whole attempt shares while it runs.
struct Context<'r> {
    rx: &'r Receiver<Event>,
    hostname: String,
    timeout_at: Option<Instant>,
    cancel_at: Option<Instant>,
    sessions: HashSet<i32>,
    mode: Mode,
}

impl Context<'_> {
    /// The controller's next own deadline: the timeout or the planned cancel.
    fn deadline(&self) -> Option<Instant> {
        self.timeout_at.into_iter().chain(self.cancel_at).min()
    }
}

impl<'a> Attempt<'a> {
    pub(crate) fn new(
        n: u32,
        plan: &'a RunPlan,
        options: &'a RunOptions,
        tx: &'a Sender<Event>,
    ) -> Self {
        Self {
            n,
            plan,
            options,
            tx,
            cancel_at: None,
        }
    }

    /// Cancels the attempt gracefully at `at` (see [`crate::runtime::controller::Canceller::cancel`]).
    pub(crate) fn cancel_at(mut self, at: Option<Instant>) -> Self {
        self.cancel_at = at;
        self
    }

    /// Runs the attempt to its end; every process it started is gone when
    /// this returns. Fails only when the Pod directory cannot be set up.
    pub(crate) fn run(
        self,
        rx: &Receiver<Event>,
        observer: &mut dyn Observer,
    ) -> Result<AttemptOutcome, RunError> {
        let start = SystemTime::now();
        let pod = &self.plan.pod;
        let mut cx = Context {
            rx,
            hostname: pod
                .metadata
                .name
                .clone()
                .unwrap_or_else(|| "pod".to_string()),
            timeout_at: self.plan.timeout.map(|t| Instant::now() + t),
            cancel_at: self.cancel_at,
            sessions: HashSet::new(),
            mode: self.options.isolation.resolve(),
        };
        let no_containers = Vec::new();
        let (inits, containers) = match &pod.spec {
            Some(spec) => (
                spec.init_containers.as_ref().unwrap_or(&no_containers),
                &spec.containers,
            ),
            None => (&no_containers, &no_containers),
        };
        let mut podfs = PodFs::create(
            pod,
            &self.options.entrypoint,
            &self.options.base_dir,
            &self.plan.bindings,
        )?;
        let downward: Option<PathBuf> = self
            .plan
            .has_downward
            .then(|| podfs.volume_dir(DOWNWARD_VOLUME).map(Path::to_path_buf))
            .flatten();
        let mut tracker = Tracker::new(self.plan, containers, downward.as_deref(), self.options);

        let run = self
            .run_inits(inits, &podfs, &mut cx, &mut tracker, observer)
            .and_then(|()| match tracker.ending {
                Some(_) => Ok(()),
                None => self.run_main(containers, &podfs, &mut cx, &mut tracker, observer),
            });
        // Whatever happened, nothing started by this attempt survives it.
        kill_sessions(&cx.sessions, 5);
        run?;

        let status = report::status(self.plan, &tracker, start, SystemTime::now());
        let logs = if self.options.collect_logs {
            report::logs(self.n, &podfs, inits, containers)
        } else {
            Vec::new()
        };
        let kept = self.options.keep.then(|| {
            podfs.keep();
            podfs.root().to_path_buf()
        });
        Ok(AttemptOutcome {
            status,
            cancelled: tracker.cancelled,
            kept,
            logs,
        })
    }

    fn timed_out(&self) -> Ending {
        let limit = self.plan.timeout.unwrap_or_default();
        Ending::TimedOut(crate::duration::format_go_duration(limit))
    }

    /// Runs the init containers one after another; the first failure, a
    /// cancel request or the timeout sets `tracker.ending` (no step runs yet,
    /// so a cancel simply kills the init container).
    fn run_inits(
        &self,
        inits: &[Container],
        podfs: &PodFs,
        cx: &mut Context<'_>,
        tracker: &mut Tracker<'_>,
        observer: &mut dyn Observer,
    ) -> Result<(), RunError> {
        for (i, init) in inits.iter().enumerate() {
            observer.state(&init.name, &State::Running);
            let cfs = podfs.container(init)?;
            let pid = match spawn(init, &cfs, &cx.hostname, cx.mode) {
                Ok(pid) => pid,
                Err(e) => {
                    tracker.ending = Some(Ending::PodFailed(e.to_string()));
                    return Ok(());
                }
            };
            cx.sessions.insert(pid as i32);
            watch_exit(pid, self.n, Target::Init(i), self.tx.clone());
            loop {
                match next_event(cx.rx, cx.deadline()) {
                    Some(Event::Exited {
                        attempt,
                        target: Target::Init(j),
                        exit,
                    }) if attempt == self.n && j == i => {
                        let reason = if exit.code == 0 { "Completed" } else { "Error" };
                        let ended = State::Ended {
                            reason: reason.to_string(),
                            exit_code: exit.code,
                        };
                        observer.state(&init.name, &ended);
                        if exit.code != 0 {
                            tracker.ending = Some(Ending::PodFailed(format!(
                                "init container {:?} exited with code {}",
                                init.name, exit.code
                            )));
                            return Ok(());
                        }
                        break;
                    }
                    Some(Event::Cancel(why)) => {
                        tracker.cancelled = true;
                        tracker.ending = Some(Ending::Cancelled(why));
                    }
                    Some(Event::Interrupt) => {
                        tracker.cancelled = true;
                        tracker.ending = Some(Ending::Cancelled(String::new()));
                    }
                    None if cx.cancel_at.is_some_and(|at| at <= Instant::now()) => {
                        tracker.cancelled = true;
                        tracker.ending = Some(Ending::Cancelled(String::new()));
                    }
                    None => tracker.ending = Some(self.timed_out()),
                    Some(_) => continue,
                }
                signal_group(pid, Signal::SIGKILL);
                return Ok(());
            }
        }
        Ok(())
    }

    /// Starts every container at once, probes sidecars, and handles events
    /// until every container has ended.
    fn run_main(
        &self,
        containers: &[Container],
        podfs: &PodFs,
        cx: &mut Context<'_>,
        tracker: &mut Tracker<'_>,
        observer: &mut dyn Observer,
    ) -> Result<(), RunError> {
        let cfss: Vec<ContainerFs<'_>> = containers
            .iter()
            .map(|c| podfs.container(c))
            .collect::<Result<_, _>>()?;
        if cx.mode == Mode::Paths {
            localize_scripts(containers, &cfss);
        }
        if self.plan.ready_at_start() {
            tracker.write_ready();
        }
        for (k, container) in containers.iter().enumerate() {
            observer.state(&container.name, &State::Waiting);
            match spawn(container, &cfss[k], &cx.hostname, cx.mode) {
                Ok(pid) => {
                    tracker.pids[k] = Some(pid);
                    cx.sessions.insert(pid as i32);
                    watch_exit(pid, self.n, Target::Main(k), self.tx.clone());
                }
                Err(_) => {
                    // Kubernetes reports a container that cannot start with 128.
                    let exit = Exit {
                        code: 128,
                        signal: None,
                        at: SystemTime::now(),
                    };
                    let target = Target::Main(k);
                    let _ = self.tx.send(Event::Exited {
                        attempt: self.n,
                        target,
                        exit,
                    });
                }
            }
        }
        let mut probers = Vec::new();
        for (s, sidecar) in self.plan.sidecars.iter().enumerate() {
            let Some(k) = tracker.sidecar_containers[s] else {
                continue;
            };
            match &sidecar.probe {
                None if tracker.pids[k].is_some() => tracker.sidecar_ready(s, observer),
                None => {}
                Some(p) => {
                    let check =
                        host_check(&p.check, &containers[k], &cfss[k], cx.mode, tracker.pids[k]);
                    let (tx, attempt) = (self.tx.clone(), self.n);
                    let on_ready = move || {
                        drop(tx.send(Event::ProbeReady {
                            attempt,
                            sidecar: s,
                        }))
                    };
                    probers.push(probe::start(check, p.initial_delay, p.period, on_ready));
                }
            }
        }
        if self.plan.ready_at_start() {
            tracker.first_step_runs(observer);
        }
        let diagnosis = stuck::Diagnosis::new(containers.iter().map(Gate::of).collect());
        let hang_timeout = self.options.hang_timeout;
        let mut hang_at = hang_timeout.map(|t| Instant::now() + t);
        self.check_stuck(&diagnosis, &cfss, cx.mode, tracker);

        while !tracker.all_ended() {
            let deadline = tracker
                .deadline(cx.deadline())
                .into_iter()
                .chain(hang_at.filter(|_| tracker.ending.is_none()))
                .min();
            let event = next_event(cx.rx, deadline);
            if event.is_some() {
                hang_at = hang_timeout.map(|t| Instant::now() + t);
            }
            match event {
                Some(Event::Exited {
                    attempt,
                    target: Target::Main(k),
                    exit,
                }) if attempt == self.n => {
                    let termination = cfss[k].termination_file();
                    tracker.exited(k, exit, &termination, observer);
                }
                Some(Event::ProbeReady { attempt, sidecar }) if attempt == self.n => {
                    tracker.sidecar_ready(sidecar, observer);
                }
                Some(Event::Cancel(why)) => tracker.cancel(why, observer),
                Some(Event::Interrupt) => tracker.interrupt(),
                Some(_) => {}
                None if hang_at.is_some_and(|at| at <= Instant::now())
                    && tracker.ending.is_none() =>
                {
                    hang_at = hang_timeout.map(|t| Instant::now() + t);
                    self.check_hang_timeout(&diagnosis, &cfss, cx.mode, tracker);
                }
                None => {
                    let now = Instant::now();
                    if !tracker.deadline_passed(now) {
                        break;
                    }
                    if cx.cancel_at.is_some_and(|at| at <= now) {
                        cx.cancel_at = None;
                        tracker.cancel(String::new(), observer);
                    } else if cx.timeout_at.is_some_and(|at| at <= now) {
                        cx.timeout_at = None;
                        tracker.stop(self.timed_out(), observer);
                    }
                }
            }
            self.check_stuck(&diagnosis, &cfss, cx.mode, tracker);
        }
        tracker.flush_view(observer);
        drop(probers);
        Ok(())
    }
}
