//! The built-in Wait task through `simulator::customrun::run`, with the
//! caller's side (cancellation, status updates) played through `Control`.

use std::time::Duration;

use simulator::customrun::model::{CustomRun, REASON_CANCELLED, REASON_TIMED_OUT};
use simulator::customrun::{run, Control, Registry};

fn wait(yaml_spec: &str) -> CustomRun {
    let text = format!(
        "apiVersion: tekton.dev/v1beta1\nkind: CustomRun\nmetadata: {{name: w}}\nspec:\n  customRef: {{apiVersion: wait.testing.tekton.dev/v1beta1, kind: Wait}}\n{yaml_spec}"
    );
    serde_norway::from_str(&text).unwrap()
}

#[test]
fn a_short_wait_succeeds_after_running() {
    let control = Control::new();
    let customrun = wait("  params: [{name: duration, value: 10ms}]\n");
    let status = run(&customrun, &Registry::with_builtins(), &control).unwrap();
    assert_eq!(status.state(), Some("True"));
    assert!(status.completion_time.is_some() && status.start_time.is_some());
    let states: Vec<_> = control
        .history()
        .iter()
        .map(|s| s.state().map(String::from))
        .collect();
    assert_eq!(
        states,
        [Some("Unknown".to_string()), Some("True".to_string())]
    );
}

#[test]
fn timeout_applies_per_try_and_retries_are_recorded() {
    let control = Control::new();
    let customrun =
        wait("  params: [{name: duration, value: 1h}]\n  timeout: 20ms\n  retries: 2\n");
    let status = run(&customrun, &Registry::with_builtins(), &control).unwrap();
    assert_eq!(status.reason(), REASON_TIMED_OUT);
    assert_eq!(status.retries_status.len(), 2);
    assert!(status
        .retries_status
        .iter()
        .all(|s| s.reason() == REASON_TIMED_OUT));
    // Never False before the retries are exhausted.
    for update in control.history() {
        if update.state() == Some("False") {
            assert_eq!(update.retries_status.len(), 2, "{update:?}");
        }
    }
}

#[test]
fn cancellation_from_another_thread_ends_cancelled_with_the_message() {
    let control = Control::new();
    let customrun = wait("  params: [{name: duration, value: 1h}]\n  retries: 3\n");
    let status = std::thread::scope(|scope| {
        let worker = scope.spawn(|| run(&customrun, &Registry::with_builtins(), &control));
        control
            .wait_status(Duration::from_secs(30), |s| s.state() == Some("Unknown"))
            .expect("Unknown while running");
        control.cancel(simulator::customrun::model::CANCELLED_BY_PIPELINE);
        worker.join().unwrap().unwrap()
    });
    assert_eq!(status.reason(), REASON_CANCELLED);
    assert_eq!(
        status.succeeded().unwrap().message,
        simulator::customrun::model::CANCELLED_BY_PIPELINE
    );
    assert!(status.retries_status.is_empty());
}

#[test]
fn missing_or_bad_duration_fails_at_once_without_retries() {
    for (spec, reason) in [
        ("  retries: 2\n", "MissingDuration"),
        (
            "  retries: 2\n  params: [{name: duration, value: soon}]\n",
            "InvalidDuration",
        ),
    ] {
        let status = run(&wait(spec), &Registry::with_builtins(), &Control::new()).unwrap();
        assert_eq!((status.state(), status.reason()), (Some("False"), reason));
        assert!(status.retries_status.is_empty());
    }
}

#[test]
fn invalid_customruns_are_reported_in_status() {
    let mut both = wait("  params: [{name: duration, value: 1ms}]\n");
    both.spec.custom_spec = Some(Default::default());
    let status = run(&both, &Registry::with_builtins(), &Control::new()).unwrap();
    assert_eq!(status.reason(), "CustomRunValidationFailed");
    assert!(status
        .succeeded()
        .unwrap()
        .message
        .contains("spec.customRef, spec.customSpec"));
}

#[test]
fn no_runner_means_no_status_until_cancelled() {
    let control = Control::new();
    let mut customrun = wait("");
    customrun.spec.custom_ref.as_mut().unwrap().kind = "Nobody".into();
    let status = std::thread::scope(|scope| {
        let worker = scope.spawn(|| run(&customrun, &Registry::with_builtins(), &control));
        control.cancel("give up");
        worker.join().unwrap()
    });
    assert_eq!(status, None);
    assert!(control.history().is_empty());
}
