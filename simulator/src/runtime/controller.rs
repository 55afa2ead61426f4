//! The local controller and kubelet: runs a [`RunPlan`] attempt by attempt,
//! each attempt a fresh Pod of host processes.

use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant, SystemTime};

use crate::plan::RunPlan;
use crate::runtime::attempt::Attempt;
use crate::runtime::isolation::{Isolation, Mode};
use crate::runtime::podfs::PodFsError;
use crate::runtime::process::Exit;
use crate::status::RunStatus;

/// Knobs of a local run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The host `entrypoint` binary (`/ko-app/entrypoint` maps to it).
    pub entrypoint: PathBuf,
    /// Keep each attempt's Pod directory.
    pub keep: bool,
    /// Collect each container's output into the report.
    pub collect_logs: bool,
    /// Time sidecars get between SIGTERM and SIGKILL once the steps are done.
    pub sidecar_grace: Duration,
    /// Time step containers get to end after the controller wrote `CANCEL`
    /// (cancel request, timeout, failed sidecar) before SIGKILL.
    pub cancel_grace: Duration,
    /// Cancel the run this long after it started, the way
    /// [`Canceller::cancel`] does, whatever the scenario says (the
    /// conformance suite's `cancelAfter`). `None`: never.
    pub cancel_after: Option<Duration>,
    /// Directory the Pod directories are created in.
    pub base_dir: PathBuf,
    /// End an attempt as stuck when every unfinished step has waited this
    /// long without any container ending (`None`: never; waits proven
    /// hopeless end at once regardless).
    pub hang_timeout: Option<Duration>,
    /// Filesystem isolation of the containers (default [`Isolation::Auto`]).
    pub isolation: Isolation,
}

impl RunOptions {
    /// Options with the given entrypoint binary, default grace periods (1 s, 2 s),
    /// no `cancel_after`, and [`crate::runtime::podfs::default_base`] for Pod directories.
    pub fn new(entrypoint: PathBuf) -> Self {
        Self {
            entrypoint,
            keep: false,
            collect_logs: false,
            sidecar_grace: Duration::from_secs(1),
            cancel_grace: Duration::from_secs(2),
            cancel_after: None,
            base_dir: crate::runtime::podfs::default_base(),
            hang_timeout: None,
            isolation: Isolation::Auto,
        }
    }
}

/// What a container is doing, as reported to an [`Observer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Started, waiting for its turn (steps) or for readiness (sidecars).
    Waiting,
    /// The step's turn has come / the init container runs.
    Running,
    /// The sidecar's probe passed.
    Ready,
    /// Asked to stop.
    Stopping,
    /// Ended with this reason and exit code.
    Ended {
        /// `Completed`, `Error`, `Skipped`...
        reason: String,
        /// Exit code.
        exit_code: i32,
    },
}

/// Receives progress of a run (the live view).
pub trait Observer {
    /// Attempt `attempt` (0-based) of `plan` starts.
    fn attempt(&mut self, _attempt: u32, _plan: &RunPlan) {}
    /// `container` changed state (step ends in causal order, see
    /// `attempt/order.rs`).
    fn state(&mut self, _container: &str, _state: &State) {}
    /// The exit of main container `container` has just arrived, before its
    /// end is shown through [`Observer::state`].
    fn exited(&mut self, _container: &str) {}
}

/// An observer that ignores everything.
pub struct Silent;
impl Observer for Silent {}

/// Output of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerLog {
    /// 0-based attempt.
    pub attempt: u32,
    /// Container name.
    pub container: String,
    /// stdout and stderr, interleaved.
    pub text: String,
}

/// The result of [`Controller::run`].
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The final status, with earlier attempts in `retries_status`.
    pub status: RunStatus,
    /// Pod directories left on disk (with `keep`).
    pub kept: Vec<PathBuf>,
    /// Container output (with `collect_logs`).
    pub logs: Vec<ContainerLog>,
    /// The isolation the containers ran with.
    pub isolation: Mode,
}

/// Why a run could not be carried out at all.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The Pod needs something the local runtime does not offer, or its
    /// directory could not be set up.
    #[error(transparent)]
    PodFs(#[from] PodFsError),
}

/// What a container process is, for exit notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Init(usize),
    Main(usize),
}

pub(crate) enum Event {
    Exited {
        attempt: u32,
        target: Target,
        exit: Exit,
    },
    ProbeReady {
        attempt: u32,
        sidecar: usize,
    },
    /// A graceful cancel request ([`Canceller::cancel_with`]), with the
    /// TaskRun's `spec.statusMessage`.
    Cancel(String),
    /// A hard stop ([`Canceller::interrupt`]).
    Interrupt,
}

/// Requests cancellation of a run from another thread.
#[derive(Clone)]
pub struct Canceller(Sender<Event>);

impl Canceller {
    /// Cancels the run as Tekton's controller does: writes `CANCEL` into the
    /// downward `cancel` file (the running step's entrypoint kills its
    /// command and ends `Cancelled`, exit 9, so later steps skip), waits up to
    /// [`RunOptions::cancel_grace`] for the step containers to end, kills what
    /// is left, then stops the sidecars as at the end of any run. No further
    /// attempt starts; the status says `TaskRunCancelled` unless the attempt
    /// had already ended otherwise (timeout, steps all done). Harmless once
    /// the run is over.
    pub fn cancel(&self) {
        self.cancel_with("");
    }

    /// [`Canceller::cancel`] with the `spec.statusMessage` the condition's
    /// message ends with (a PipelineRun says why it cancels its TaskRuns).
    pub fn cancel_with(&self, why: &str) {
        let _ = self.0.send(Event::Cancel(why.to_string()));
    }

    /// Stops the run at once (what `podsim` does on Ctrl-C): `CANCEL` is
    /// written, but every container, sidecars included, is killed without
    /// waiting; no further attempt starts; the status says
    /// `TaskRunCancelled`. Harmless once the run is over.
    pub fn interrupt(&self) {
        let _ = self.0.send(Event::Interrupt);
    }
}

/// Runs plans; owns the event channel every helper thread reports to.
pub struct Controller {
    tx: Sender<Event>,
    rx: Receiver<Event>,
    options: RunOptions,
}

impl Controller {
    /// A controller with `options`.
    pub fn new(options: RunOptions) -> Self {
        let (tx, rx) = channel();
        Self { tx, rx, options }
    }

    /// A handle that cancels the current and future runs of this controller.
    pub fn canceller(&self) -> Canceller {
        Canceller(self.tx.clone())
    }

    /// Runs `plan`: attempts until one succeeds, the run is cancelled (a
    /// [`Canceller`], or [`RunOptions::cancel_after`] counted from this
    /// call), or `plan.retries` retries are used up. Each failed attempt but the last
    /// lands in `retries_status`. Every process started is gone when this
    /// returns, and Pod directories are removed unless `keep` is set.
    /// Fails only when a Pod directory cannot be set up or the Pod uses
    /// volumes the local runtime cannot provide.
    pub fn run(
        &mut self,
        plan: &RunPlan,
        observer: &mut dyn Observer,
    ) -> Result<RunReport, RunError> {
        let mut report = RunReport {
            status: RunStatus::default(),
            kept: Vec::new(),
            logs: Vec::new(),
            isolation: self.options.isolation.resolve(),
        };
        let mut failed: Vec<RunStatus> = Vec::new();
        let cancel_at = self
            .options
            .cancel_after
            .map(|after| Instant::now() + after);
        for attempt in 0..=plan.retries {
            observer.attempt(attempt, plan);
            let outcome = Attempt::new(attempt, plan, &self.options, &self.tx)
                .cancel_at(cancel_at)
                .run(&self.rx, observer)?;
            report.kept.extend(outcome.kept);
            report.logs.extend(outcome.logs);
            let status = outcome.status;
            if status.succeeded() || outcome.cancelled || attempt == plan.retries {
                report.status = status;
                break;
            }
            failed.push(status);
        }
        report.status.retries_status = failed;
        Ok(report)
    }
}

/// Waits for the next event until `deadline` (forever without one).
/// `None` means the deadline passed.
pub(crate) fn next_event(rx: &Receiver<Event>, deadline: Option<Instant>) -> Option<Event> {
    match deadline {
        None => rx.recv().ok(),
        Some(deadline) => {
            let wait = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(wait) {
                Ok(event) => Some(event),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => None,
            }
        }
    }
}

/// Starts a thread that waits for the child `pid` and reports its exit.
pub(crate) fn watch_exit(pid: u32, attempt: u32, target: Target, tx: Sender<Event>) {
    let fallback = tx.clone();
    let spawned = std::thread::Builder::new()
        .name("wait".to_string())
        .stack_size(64 * 1024)
        .spawn(move || {
            let exit = crate::runtime::process::wait(pid);
            let _ = tx.send(Event::Exited {
                attempt,
                target,
                exit,
            });
        });
    if spawned.is_err() {
        // No thread to wait with: report the container as failed at once; the
        // end-of-attempt session sweep kills the process.
        let exit = Exit {
            code: 1,
            signal: None,
            at: SystemTime::now(),
        };
        let _ = fallback.send(Event::Exited {
            attempt,
            target,
            exit,
        });
    }
}
