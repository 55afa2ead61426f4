//! Pipeline-task `onError`: black-box runs through `podsim`.

mod common;

use common::{podsim, write};
use predicates::prelude::*;

const CONTINUE: &str = r#"
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: oe}
spec:
  pipelineSpec:
    tasks:
      - name: flaky
        onError: continue
        taskSpec:
          steps: [{name: s, image: busybox, script: "exit 1"}]
      - name: after
        runAfter: [flaky]
        taskSpec:
          steps: [{name: s, image: busybox, script: "echo after ran"}]
    finally:
      - name: f
        params: [{name: st, value: $(tasks.flaky.status)}]
        taskSpec:
          params: [{name: st}]
          steps: [{name: s, image: busybox, script: "echo flaky=$(params.st)"}]
"#;

#[test]
fn a_failed_task_with_on_error_continue_lets_dependents_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(&dir, "oe.yaml", CONTINUE);
    podsim()
        .args(["run", "-q", "--logs"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("[after/step-s] after ran"))
        .stdout(predicate::str::contains("[f/step-s] flaky=Failed"))
        .stdout(predicate::str::contains(
            "oe: Succeeded (Tasks Completed: 3 (Failed: 1 (Ignored: 1), Cancelled 0), Skipped: 0)",
        ));
}

#[test]
fn the_ignored_task_run_ends_failure_ignored_as_upstream() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(&dir, "oe.yaml", CONTINUE);
    let children = dir.path().join("children.json");
    podsim()
        .args(["run", "-q", "--child-statuses"])
        .arg(&children)
        .arg(&file)
        .assert()
        .success();
    let text = std::fs::read_to_string(&children).expect("child statuses written");
    let statuses: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let reason = |name: &str| statuses[name]["conditions"][0]["reason"].clone();
    assert_eq!(reason("oe-flaky"), "FailureIgnored", "{statuses}");
    assert_eq!(reason("oe-after"), "Succeeded", "{statuses}");
    assert_eq!(statuses["oe-flaky"]["conditions"][0]["status"], "False");
}

#[test]
fn on_error_rules_are_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let retries = CONTINUE.replace("onError: continue", "onError: continue\n        retries: 1");
    let file = write(&dir, "retries.yaml", &retries);
    podsim()
        .args(["run", "-q"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "onError: \"continue\" is not allowed when retries is greater than 0",
        ));
    let bad = CONTINUE.replace("onError: continue", "onError: ignore");
    let file = write(&dir, "bad.yaml", &bad);
    podsim()
        .args(["run", "-q"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "onError \"ignore\": must be either \"continue\" or \"stopAndFail\"",
        ));
    let stop = CONTINUE.replace("onError: continue", "onError: stopAndFail");
    let file = write(&dir, "stop.yaml", &stop);
    podsim()
        .args(["run", "-q"])
        .arg(&file)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("oe: Failed"));
}
