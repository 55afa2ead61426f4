//! External runners through `simulator::customrun::run`: the protocol's
//! edges (cancellation forwarded on stdin, a runner ignoring it killed after
//! the grace period, garbage lines, exits without a final status).

use std::sync::Arc;
use std::time::Duration;

use simulator::customrun::external::{External, REASON_RUNNER_EXITED, REASON_RUNNER_FAILED};
use simulator::customrun::model::{CustomRun, REASON_CANCELLED, REASON_RUNNER_KILLED};
use simulator::customrun::{run, Control, Registry};

const RUNNING: &str =
    r#"{"status":{"conditions":[{"type":"Succeeded","status":"Unknown","reason":"Running"}]}}"#;

fn registry(script: &str, grace: Duration) -> Registry {
    let mut runner = External::new(vec!["sh".into(), "-c".into(), script.into()]);
    runner.grace = grace;
    let mut registry = Registry::empty();
    registry.register("example.dev/v1", "Script", Arc::new(runner));
    registry
}

fn customrun() -> CustomRun {
    serde_norway::from_str(
        "apiVersion: tekton.dev/v1beta1\nkind: CustomRun\nmetadata: {name: s}\nspec:\n  customRef: {apiVersion: example.dev/v1, kind: Script}\n  params: [{name: p, value: v}]\n",
    )
    .unwrap()
}

/// Runs `script`, cancels once it reports Unknown, returns the final reason.
fn cancel(script: &str) -> String {
    let control = Control::new();
    let registry = registry(script, Duration::from_millis(100));
    let customrun = customrun();
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| run(&customrun, &registry, &control));
        control
            .wait_status(Duration::from_secs(30), |s| s.state() == Some("Unknown"))
            .expect("the runner reported Unknown");
        control.cancel("stop");
        worker.join().unwrap().unwrap().reason().to_string()
    })
}

#[test]
fn cancellation_arrives_on_stdin_with_the_message() {
    let script = format!(
        "trap '' TERM; read -r run; echo '{RUNNING}'; read -r update; \
         case \"$update\" in *'\"status\":\"RunCancelled\",\"statusMessage\":\"stop\"'*) \
         echo '{{\"status\":{{\"conditions\":[{{\"type\":\"Succeeded\",\"status\":\"False\",\"reason\":\"CustomRunCancelled\"}}]}}}}';; esac"
    );
    assert_eq!(cancel(&script), REASON_CANCELLED);
}

#[test]
fn a_runner_ignoring_cancellation_is_killed_and_reported() {
    let script = format!("trap '' TERM; read -r run; echo '{RUNNING}'; while :; do sleep 1; done");
    assert_eq!(cancel(&script), REASON_RUNNER_KILLED);
}

#[test]
fn the_customrun_reaches_stdin_and_garbage_lines_are_skipped() {
    let script = "read -r run; echo 'not json'; case \"$run\" in *'\"name\":\"p\",\"value\":\"v\"'*) \
                  echo '{\"status\":{\"conditions\":[{\"type\":\"Succeeded\",\"status\":\"True\"}]}}';; esac";
    let status = run(
        &customrun(),
        &registry(script, Duration::from_secs(1)),
        &Control::new(),
    )
    .unwrap();
    assert_eq!(status.state(), Some("True"));
}

#[test]
fn exits_without_a_final_status_and_unstartable_runners_fail() {
    let status = run(
        &customrun(),
        &registry("exit 0", Duration::from_secs(1)),
        &Control::new(),
    )
    .unwrap();
    assert_eq!(status.reason(), REASON_RUNNER_EXITED);
    let mut registry = Registry::empty();
    registry.register(
        "example.dev/v1",
        "Script",
        Arc::new(External::new(vec!["/nonexistent/runner".into()])),
    );
    let status = run(&customrun(), &registry, &Control::new()).unwrap();
    assert_eq!(status.reason(), REASON_RUNNER_FAILED);
}
