//! The controller's duties, played by the harness against a real runtime:
//! READY once every sidecar is ready, CANCEL on cancellation or task timeout,
//! a kill once the grace period after CANCEL is over, sidecars stopped when
//! the steps are done. The runtime is reached through a [`PodDriver`].

use std::time::{Duration, Instant};

use simulator::plan::{ProbeCheck, RunPlan};
use simulator::status::Ending;

use super::BackendError;

/// Time containers get after CANCEL before they are killed (the simulator's default).
pub const CANCEL_GRACE: Duration = Duration::from_secs(2);
/// Extra time past the scenario's own limits after which a run counts as hung.
pub const HANG_LIMIT: Duration = Duration::from_secs(120);
/// Longest pause between two looks at the Pod.
const TICK: Duration = Duration::from_millis(200);

/// A sidecar's state as the runtime reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SidecarState {
    /// Not started yet.
    Waiting,
    /// Running; readiness unknown.
    Running,
    /// Running and reported ready by the runtime itself (kubelet probes).
    Ready,
    /// Ended.
    Exited,
}

/// A file of the downward volume the controller sets through an annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Downward {
    /// `ready` = `READY` (`tekton.dev/ready`).
    Ready,
    /// `cancel` = `CANCEL` (`tekton.dev/cancel`).
    Cancel,
}

/// What the controller needs from a runtime for one Pod.
pub trait PodDriver {
    /// State of sidecar `index` (plan order).
    fn sidecar_state(&mut self, index: usize) -> Result<SidecarState, BackendError>;
    /// Runs sidecar `index`'s readiness check once; true when it passed.
    fn probe(&mut self, index: usize, check: &ProbeCheck) -> Result<bool, BackendError>;
    /// Sets a downward file.
    fn set(&mut self, file: Downward) -> Result<(), BackendError>;
    /// Waits at most `wait` for every step container to end; true once they have.
    fn steps_done(&mut self, wait: Duration) -> Result<bool, BackendError>;
    /// Kills every container of the Pod.
    fn kill(&mut self) -> Result<(), BackendError>;
    /// Stops the sidecars still running.
    fn stop_sidecars(&mut self) -> Result<(), BackendError>;

    /// Time containers get after CANCEL before [`PodDriver::kill`]: longer
    /// where the runtime delivers downward API updates late.
    fn cancel_grace(&self) -> Duration {
        CANCEL_GRACE
    }
}

/// How a played attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Played {
    /// The controller's ending (`None`: the Pod ended by itself).
    pub ending: Option<Ending>,
    /// Which sidecars became ready.
    pub ready: Vec<bool>,
}

/// Plays the controller for one attempt of `plan`, from the moment the Pod's
/// containers are started until its steps are done and its sidecars stopped.
/// `cancel_after` cancels the run that long after the start. Fails when the
/// driver fails or the Pod is still running [`HANG_LIMIT`] past the scenario's limits.
pub fn play(
    driver: &mut dyn PodDriver,
    plan: &RunPlan,
    cancel_after: Option<Duration>,
) -> Result<Played, BackendError> {
    let start = Instant::now();
    let timeout_at = plan.timeout.map(|t| start + t);
    let cancel_at = cancel_after.map(|t| start + t);
    let grace = driver.cancel_grace();
    let hang_at = start
        + plan.timeout.unwrap_or_default()
        + cancel_after.unwrap_or_default()
        + grace
        + HANG_LIMIT;
    let mut ending: Option<Ending> = None;
    let mut kill_at: Option<Instant> = None;
    let mut ready = vec![false; plan.sidecars.len()];
    let mut next_probe = vec![start; plan.sidecars.len()];
    let mut ready_written = plan.ready_at_start();
    loop {
        let now = Instant::now();
        if ending.is_none() {
            let fired = if cancel_at.is_some_and(|at| at <= now) {
                Some(Ending::Cancelled(String::new()))
            } else if timeout_at.is_some_and(|at| at <= now) {
                let limit = plan.timeout.unwrap_or_default();
                Some(Ending::TimedOut(
                    humantime::format_duration(limit).to_string(),
                ))
            } else {
                None
            };
            if let Some(fired) = fired {
                ending = Some(fired);
                driver.set(Downward::Cancel)?;
                kill_at = Some(now + grace);
            }
        }
        if kill_at.is_some_and(|at| at <= now) {
            driver.kill()?;
            kill_at = None;
        }
        if now >= hang_at {
            driver.kill()?;
            return Err(BackendError::Run(format!(
                "the Pod was still running after {:?}",
                now - start
            )));
        }
        if !ready_written && ending.is_none() {
            for (i, sidecar) in plan.sidecars.iter().enumerate() {
                if ready[i] {
                    continue;
                }
                match driver.sidecar_state(i)? {
                    SidecarState::Waiting => {}
                    SidecarState::Ready => ready[i] = true,
                    SidecarState::Running => match &sidecar.probe {
                        None => ready[i] = true,
                        Some(probe) if next_probe[i] <= now => {
                            next_probe[i] = now + probe.period;
                            ready[i] = driver.probe(i, &probe.check)?;
                        }
                        Some(_) => {}
                    },
                    SidecarState::Exited => {
                        ending = Some(Ending::SidecarFailed(format!(
                            "sidecar {:?} ended before it was ready",
                            sidecar.container
                        )));
                        driver.set(Downward::Cancel)?;
                        kill_at = Some(now + grace);
                        break;
                    }
                }
            }
            if ready.iter().all(|r| *r) {
                driver.set(Downward::Ready)?;
                ready_written = true;
            }
        }
        let next = [
            timeout_at.filter(|_| ending.is_none()),
            cancel_at.filter(|_| ending.is_none()),
            kill_at,
        ]
        .into_iter()
        .flatten()
        .min()
        .map_or(TICK, |at| {
            at.saturating_duration_since(Instant::now()).min(TICK)
        });
        let wait = if ready_written {
            next
        } else {
            next.min(Duration::from_millis(50))
        };
        if driver.steps_done(wait)? {
            break;
        }
    }
    driver.stop_sidecars()?;
    Ok(Played { ending, ready })
}

#[cfg(test)]
mod tests {
    use super::*;
    use simulator::plan::{ProbePlan, SidecarPlan};

    /// A scripted Pod: the sidecar is running, its probe passes on the
    /// `probe_passes_at`-th try, steps end once READY was set.
    struct Fake {
        state: SidecarState,
        probes: usize,
        probe_passes_at: usize,
        log: Vec<String>,
    }

    impl PodDriver for Fake {
        fn sidecar_state(&mut self, _: usize) -> Result<SidecarState, BackendError> {
            Ok(self.state)
        }
        fn probe(&mut self, _: usize, _: &ProbeCheck) -> Result<bool, BackendError> {
            self.probes += 1;
            self.log.push(format!("probe {}", self.probes));
            Ok(self.probes >= self.probe_passes_at)
        }
        fn set(&mut self, file: Downward) -> Result<(), BackendError> {
            self.log.push(format!("{file:?}"));
            Ok(())
        }
        fn steps_done(&mut self, _: Duration) -> Result<bool, BackendError> {
            Ok(self.log.iter().any(|l| l == "Ready" || l == "Cancel"))
        }
        fn kill(&mut self) -> Result<(), BackendError> {
            self.log.push("kill".to_string());
            Ok(())
        }
        fn stop_sidecars(&mut self) -> Result<(), BackendError> {
            self.log.push("stop".to_string());
            Ok(())
        }
    }

    fn plan() -> RunPlan {
        let scenario: simulator::scenario::Scenario =
            serde_norway::from_str("name: t\nsteps:\n  - command: [echo]\n").expect("scenario");
        let mut plan = simulator::plan::from_scenario(&scenario, &Default::default());
        plan.sidecars = vec![SidecarPlan {
            name: "s".to_string(),
            container: "sidecar-s".to_string(),
            probe: Some(ProbePlan {
                check: ProbeCheck::Exec(vec!["true".to_string()]),
                initial_delay: Duration::ZERO,
                period: Duration::from_millis(1),
            }),
        }];
        plan
    }

    #[test]
    fn ready_is_set_only_after_the_probe_passes_and_sidecars_stop_last() {
        let mut fake = Fake {
            state: SidecarState::Running,
            probes: 0,
            probe_passes_at: 3,
            log: Vec::new(),
        };
        let played = play(&mut fake, &plan(), None).expect("played");
        assert_eq!(
            played,
            Played {
                ending: None,
                ready: vec![true]
            }
        );
        assert_eq!(fake.log, ["probe 1", "probe 2", "probe 3", "Ready", "stop"]);
    }

    #[test]
    fn a_sidecar_that_exits_first_fails_the_run_and_cancels() {
        let mut fake = Fake {
            state: SidecarState::Exited,
            probes: 0,
            probe_passes_at: 1,
            log: Vec::new(),
        };
        let played = play(&mut fake, &plan(), None).expect("played");
        assert!(
            matches!(played.ending, Some(Ending::SidecarFailed(_))),
            "{played:?}"
        );
        assert_eq!(fake.log, ["Cancel", "stop"]);
    }
}
