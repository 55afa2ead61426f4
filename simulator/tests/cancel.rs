//! Graceful cancellation and the task timeout, played as Tekton's controller
//! plays them: `CANCEL` into the downward `cancel` file, the running step's
//! entrypoint stops its command (reason `Cancelled`, exit 9) and later steps
//! skip, what is left after the grace period is killed, sidecars are stopped.

mod common;

use std::time::Duration;

use simulator::plan::{self, RunPlan};
use simulator::render::RenderOptions;
use simulator::runtime::controller::{Controller, Observer, RunOptions, RunReport, Silent, State};
use simulator::status::{RunStatus, Terminated};

fn plan(yaml: &str) -> RunPlan {
    plan::from_scenario(&common::scenario(yaml), &RenderOptions::default())
}

fn run(plan: &RunPlan, options: RunOptions, observer: &mut dyn Observer) -> RunReport {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut options = options;
    options.base_dir = dir.path().to_path_buf();
    Controller::new(options)
        .run(plan, observer)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn step<'a>(status: &'a RunStatus, name: &str) -> &'a Terminated {
    let step = status.steps.iter().find(|s| s.name == name);
    match step.and_then(|s| s.terminated.as_ref()) {
        Some(t) => t,
        None => panic!("step {name} did not terminate: {status:#?}"),
    }
}

const CHAIN_WITH_SIDECAR: &str = r#"
name: cancel-me
sidecars:
  - name: idle
    command: [sleep, "3600"]
steps:
  - name: before
    command: [echo, before]
  - name: sleeper
    command: [sleep, "300"]
  - name: after
    command: [echo, after]
"#;

/// A generous grace: a step that has to be killed would make the run take
/// this long and end with 137, not 9.
const LONG_GRACE: Duration = Duration::from_secs(60);

#[test]
fn cancel_after_goes_through_the_cancel_file() {
    let mut options = RunOptions::new(common::entrypoint());
    // Long enough for the sidecar and the first step on a loaded 2-core
    // machine (500 ms once cancelled before `before` had ended).
    options.cancel_after = Some(Duration::from_secs(2));
    options.cancel_grace = LONG_GRACE;
    let report = run(&plan(CHAIN_WITH_SIDECAR), options, &mut Silent);
    let status = &report.status;
    assert_eq!(status.reason(), "TaskRunCancelled", "{status:#?}");
    assert_eq!(step(status, "before").reason, "Completed");
    let sleeper = step(status, "sleeper");
    assert_eq!(
        (sleeper.reason.as_str(), sleeper.exit_code),
        ("Cancelled", 9)
    );
    let after = step(status, "after");
    assert_eq!((after.reason.as_str(), after.exit_code), ("Skipped", 1));
    // The sidecar was stopped like at the end of any run.
    let sidecar = status.sidecars[0]
        .terminated
        .as_ref()
        .expect("sidecar ended");
    assert_eq!(
        (sidecar.reason.as_str(), sidecar.exit_code),
        ("Completed", 0)
    );
    assert!(status.retries_status.is_empty());
}

/// Cancels through a [`simulator::runtime::controller::Canceller`] once `sleeper` runs.
struct CancelWhenRunning {
    canceller: Option<simulator::runtime::controller::Canceller>,
}

impl Observer for CancelWhenRunning {
    fn state(&mut self, container: &str, state: &State) {
        if container == "step-sleeper" && *state == State::Running {
            if let Some(c) = self.canceller.take() {
                c.cancel();
            }
        }
    }
}

#[test]
fn canceller_cancels_gracefully_and_stops_retries() {
    let yaml = CHAIN_WITH_SIDECAR.replace("name: cancel-me", "name: cancel-me\nretries: 2");
    let plan = plan(&yaml);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut options = RunOptions::new(common::entrypoint());
    options.base_dir = dir.path().to_path_buf();
    options.cancel_grace = LONG_GRACE;
    let mut controller = Controller::new(options);
    let mut observer = CancelWhenRunning {
        canceller: Some(controller.canceller()),
    };
    let report = controller
        .run(&plan, &mut observer)
        .unwrap_or_else(|e| panic!("{e}"));
    let status = &report.status;
    assert_eq!(status.reason(), "TaskRunCancelled", "{status:#?}");
    let sleeper = step(status, "sleeper");
    assert_eq!(
        (sleeper.reason.as_str(), sleeper.exit_code),
        ("Cancelled", 9)
    );
    assert_eq!(step(status, "after").reason, "Skipped");
    assert!(status.retries_status.is_empty(), "no retry after a cancel");
}

#[test]
fn timeout_cancels_the_same_way() {
    let yaml = CHAIN_WITH_SIDECAR.replace("name: cancel-me", "name: cancel-me\ntimeout: 500ms");
    let mut options = RunOptions::new(common::entrypoint());
    options.cancel_grace = LONG_GRACE;
    let report = run(&plan(&yaml), options, &mut Silent);
    let status = &report.status;
    assert_eq!(status.reason(), "TaskRunTimeout", "{status:#?}");
    let sleeper = step(status, "sleeper");
    assert_eq!(
        (sleeper.reason.as_str(), sleeper.exit_code),
        ("Cancelled", 9)
    );
    assert_eq!(step(status, "after").reason, "Skipped");
    let sidecar = status.sidecars[0]
        .terminated
        .as_ref()
        .expect("sidecar ended");
    assert_eq!(sidecar.reason, "Completed");
}

#[test]
fn steps_that_ignore_cancel_are_killed_after_the_grace_period() {
    // The sidecar never becomes ready, so step 0 keeps waiting for READY and
    // never sees CANCEL: the controller kills it once the grace period is over.
    let yaml = r#"
name: never-ready
sidecars:
  - name: unready
    command: [sleep, "3600"]
    readinessProbe:
      file: /tekton/never
      period: 50ms
steps:
  - name: waiting
    command: [echo, never]
"#;
    let mut options = RunOptions::new(common::entrypoint());
    // After the init containers even on a loaded machine (200 ms once
    // cancelled before the step had started, so it never terminated).
    options.cancel_after = Some(Duration::from_secs(1));
    options.cancel_grace = Duration::from_millis(200);
    let report = run(&plan(yaml), options, &mut Silent);
    let status = &report.status;
    assert_eq!(status.reason(), "TaskRunCancelled", "{status:#?}");
    let waiting = step(status, "waiting");
    assert_eq!(waiting.reason, "Cancelled", "{status:#?}");
    assert_eq!(waiting.exit_code, 128 + 9);
    assert!(!status.sidecars[0].ready);
    assert!(status.sidecars[0].terminated.is_some());
}
