//! Black-box tests of the graceful ends of a PipelineRun through `podsim
//! run --cancel-after D --cancel-mode MODE`, as upstream's `spec.status`
//! values `CancelledRunFinally` and `StoppedRunFinally` end it: nothing new
//! starts, the finally tasks run, the run ends `Cancelled`.

mod common;

use common::{podsim, write};
use predicates::prelude::*;

/// `first` sleeps `seconds`; `second` runs after it; finally `report` sees
/// `first`'s status.
fn pipeline(seconds: u32) -> String {
    format!(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {{name: slow}}\nspec:\n  tasks:\n    - name: first\n      taskSpec: {{steps: [{{name: s, image: x, command: [sleep, '{seconds}']}}]}}\n    - name: second\n      runAfter: [first]\n      taskSpec: {{steps: [{{name: s, image: x, command: ['true']}}]}}\n  finally:\n    - name: report\n      params: [{{name: st, value: $(tasks.first.status)}}]\n      taskSpec:\n        params: [{{name: st}}]\n        steps: [{{name: s, image: x, script: 'echo first=$(params.st)'}}]\n"
    )
}

fn run(seconds: u32, mode: &str) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(&dir, "slow.yaml", &pipeline(seconds));
    let out = podsim()
        .args([
            "run",
            "-q",
            "--logs",
            "-o",
            "json",
            "--cancel-after",
            "300ms",
        ])
        .args(["--cancel-mode", mode])
        .arg(&file)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let status = serde_json::from_slice(&out.stdout).expect("status JSON");
    (status, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn ran(status: &serde_json::Value, task: &str) -> bool {
    status["childReferences"]
        .as_array()
        .is_some_and(|c| c.iter().any(|r| r["pipelineTaskName"] == task))
}

fn skip_reason(status: &serde_json::Value, task: &str) -> serde_json::Value {
    status["skippedTasks"]
        .as_array()
        .and_then(|s| s.iter().find(|t| t["name"] == task))
        .map_or(serde_json::Value::Null, |t| t["reason"].clone())
}

#[test]
fn cancelled_run_finally_cancels_the_running_task_and_still_runs_finally() {
    let (status, logs) = run(30, "CancelledRunFinally");
    let condition = &status["conditions"][0];
    assert_eq!(condition["reason"], "Cancelled", "{status:#}");
    assert_eq!(
        condition["message"],
        "PipelineRun \"slow-run\" was cancelled"
    );
    assert!(ran(&status, "report"), "finally ran: {status:#}");
    // The cancelled task makes the run "stopping", which upstream reports
    // before the graceful cancel.
    assert_eq!(skip_reason(&status, "second"), "PipelineRun was stopping");
    assert_eq!(skip_reason(&status, "report"), serde_json::Value::Null);
    assert!(logs.contains("first=Failed"), "{logs}");
}

#[test]
fn stopped_run_finally_lets_the_running_task_finish_then_runs_finally() {
    let (status, logs) = run(1, "StoppedRunFinally");
    assert_eq!(status["conditions"][0]["reason"], "Cancelled", "{status:#}");
    assert_eq!(
        skip_reason(&status, "second"),
        "PipelineRun was gracefully stopped"
    );
    assert!(ran(&status, "report"), "finally ran: {status:#}");
    assert!(logs.contains("first=Succeeded"), "{logs}");
}

#[test]
fn cancel_mode_is_for_pipelineruns_with_cancel_after() {
    let dir = tempfile::tempdir().expect("temp dir");
    let task = write(
        &dir,
        "task.yaml",
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps: [{name: s, image: x, command: ['true']}]\n",
    );
    podsim()
        .args([
            "run",
            "--cancel-after",
            "1s",
            "--cancel-mode",
            "StoppedRunFinally",
        ])
        .arg(&task)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--cancel-mode applies to PipelineRuns",
        ));
    podsim()
        .args(["run", "--cancel-mode", "StoppedRunFinally"])
        .arg(&task)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--cancel-after"));
    podsim()
        .args(["run", "--cancel-after", "1s", "--cancel-mode", "Stop"])
        .arg(&task)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("CancelledRunFinally"));
}
