//! The `sim` backend: the simulator library, local processes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::SystemTime;

use simulator::plan::RunPlan;
use simulator::render::RenderOptions;
use simulator::runtime::controller::{Controller, Observer, RunOptions};
use simulator::runtime::isolation::{namespaces_available, Isolation};
use simulator::status;

use super::{Backend, BackendError, Observation, Settings};
use crate::catalog::Case;

/// Runs cases with [`simulator::runtime::controller::Controller`].
pub struct Sim {
    entrypoint: PathBuf,
    images: RenderOptions,
    isolation: Isolation,
    upstream: bool,
}

impl Sim {
    /// A sim backend using `settings.entrypoint_binary` or the binary
    /// [`simulator::locate::entrypoint`] finds. Fails when there is none.
    pub fn new(settings: &Settings) -> Result<Self, BackendError> {
        // Upstream's binary has /tekton/results, /tekton/steps... built in:
        // only a private /tekton per container keeps it off the host's own.
        let isolation = if settings.upstream {
            if !namespaces_available() {
                return Err(BackendError::Unavailable {
                    backend: "sim",
                    why: "upstream's entrypoint uses fixed /tekton paths, so it needs each \
                          container in its own mount namespace, which this process cannot \
                          create (run as root, or allow unprivileged user namespaces)"
                        .to_string(),
                });
            }
            Isolation::Namespaces
        } else {
            Isolation::Auto
        };
        let entrypoint = simulator::locate::entrypoint(settings.entrypoint_binary.as_deref())
            .map_err(|e| BackendError::Unavailable {
                backend: "sim",
                why: e.to_string(),
            })?;
        Ok(Self {
            entrypoint,
            images: settings.images.clone(),
            isolation,
            upstream: settings.upstream,
        })
    }

    /// The same backend with its containers run in `isolation` (default
    /// [`Isolation::Auto`]: namespaces where the kernel allows them).
    /// Upstream's entrypoint always keeps namespaces (see [`Sim::new`]).
    pub fn with_isolation(mut self, isolation: Isolation) -> Self {
        if !self.upstream {
            self.isolation = isolation;
        }
        self
    }
}

impl Backend for Sim {
    fn name(&self) -> &'static str {
        "sim"
    }

    /// Simulated runs mostly sleep: many fit on two cores.
    fn workers(&self) -> usize {
        8
    }

    /// Cancellation (`cancelAfter`) is the simulator's graceful cancel
    /// ([`RunOptions::cancel_after`]), the path podman and kind take too:
    /// CANCEL into the downward volume, the steps end by themselves, what is
    /// left is killed after the grace period, sidecars are stopped.
    fn run(&self, case: &Case) -> Result<Observation, BackendError> {
        let plan = case.plan(&self.images);
        let mut options = RunOptions::new(self.entrypoint.clone());
        options.collect_logs = true;
        options.cancel_after = case.cancel_after;
        options.isolation = self.isolation;
        let mut ends = EndTimes::default();
        let report = Controller::new(options)
            .run(&plan, &mut ends)
            .map_err(|e| BackendError::Run(e.to_string()))?;
        let mut status = report.status;
        for step in &mut status.steps {
            if let (Some(t), Some(at)) = (step.terminated.as_mut(), ends.0.get(&step.container)) {
                t.finished_at = Some(status::timestamp(*at));
            }
        }
        let last = status.retries_status.len() as u32;
        let logs: BTreeMap<String, String> = report
            .logs
            .into_iter()
            .filter(|l| l.attempt == last)
            .map(|l| (l.container, l.text))
            .collect();
        Ok(Observation { status, logs })
    }
}

/// Records when the controller saw each container of the current attempt
/// end. The simulator's own `finishedAt` is taken when it starts waiting
/// for a process, not when the process ends (reported to the simulator's
/// owner); the time the exit event arrives is the real end.
#[derive(Default)]
struct EndTimes(BTreeMap<String, SystemTime>);

impl Observer for EndTimes {
    fn attempt(&mut self, _attempt: u32, _plan: &RunPlan) {
        self.0.clear();
    }

    /// The exit as it arrives, not when the view shows it (the view holds a
    /// step's end back until the ends it waits on were shown).
    fn exited(&mut self, container: &str) {
        self.0.insert(container.to_string(), SystemTime::now());
    }
}
