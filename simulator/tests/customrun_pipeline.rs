//! Black-box tests of CustomRun children in PipelineRuns through `podsim`:
//! the Wait task and an external runner as pipeline tasks, their results
//! feeding later tasks and finally, and the pipeline controller's
//! cancellation and timeouts reaching them as `spec.status: RunCancelled`.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

fn podsim() -> Command {
    common::entrypoint();
    let mut cmd = Command::cargo_bin("podsim").expect("podsim binary");
    cmd.current_dir(common::examples_dir().join(".."));
    cmd.timeout(std::time::Duration::from_secs(60));
    cmd
}

fn write(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
    let path = dir.path().join("p.yaml");
    std::fs::write(&path, text).expect("write file");
    path
}

/// The status printed with `-o json`: timestamps redacted, pipelineSpec dropped.
fn status_of(output: &[u8]) -> serde_json::Value {
    common::pipeline_status(serde_json::from_slice(output).expect("status JSON"))
}

/// A pipeline whose first task is a Wait CustomRun of `duration`, then a
/// TaskRun after it, and a finally TaskRun.
fn waiting(duration: &str, timeouts: &str) -> String {
    format!(
        "apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {{name: w}}
spec:
  {timeouts}
  pipelineSpec:
    tasks:
      - name: settle
        taskRef: {{apiVersion: wait.testing.tekton.dev/v1beta1, kind: Wait}}
        params: [{{name: duration, value: {duration}}}]
      - name: after
        runAfter: [settle]
        taskSpec: {{steps: [{{name: s, image: x, command: ['true']}}]}}
    finally:
      - name: cleanup
        taskSpec: {{steps: [{{name: s, image: x, command: ['true']}}]}}
"
    )
}

#[test]
fn the_example_pipeline_runs_a_wait_customrun_between_taskruns() {
    let out = podsim()
        .args([
            "run",
            "-q",
            "-o",
            "json",
            "examples/customrun-pipeline.yaml",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    insta::assert_yaml_snapshot!("customrun_pipeline_status", status_of(&out));
}

#[test]
fn an_external_runners_results_feed_later_tasks_and_finally() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: a}
spec:
  pipelineSpec:
    tasks:
      - name: approve
        taskRef: {apiVersion: example.dev/v1, kind: Approval}
        params: [{name: decision, value: approve}, {name: approver, value: alice}]
      - name: deploy
        params: [{name: who, value: $(tasks.approve.results.approver)}]
        taskSpec:
          params: [{name: who}]
          steps: [{name: s, image: x, script: 'echo \"deploying for $(params.who)\"'}]
    finally:
      - name: notify
        params: [{name: who, value: $(tasks.approve.results.approver)}]
        taskSpec:
          params: [{name: who}]
          steps: [{name: s, image: x, script: 'echo \"told $(params.who)\"'}]
",
    );
    podsim()
        .args(["run", "-q", "--logs", "--custom-task"])
        .arg("example.dev/v1/Approval=sh examples/customrun-approval.sh")
        .arg(&file)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "[deploy/step-s] deploying for alice",
        ))
        .stdout(predicate::str::contains("[notify/step-s] told alice"));
}

#[test]
fn a_rejection_fails_the_pipeline_task_with_the_runners_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: r}
spec:
  pipelineSpec:
    tasks:
      - name: approve
        retries: 1
        taskRef: {apiVersion: example.dev/v1, kind: Approval}
        params: [{name: decision, value: reject}, {name: approver, value: bob}]
",
    );
    podsim()
        .args([
            "run",
            "-q",
            "--custom-task-config",
            "examples/customrun-runners.yaml",
        ])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "pipeline task approve: rejected by bob",
        ));
}

#[test]
fn cancelling_the_pipelinerun_cancels_the_running_customrun() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(&dir, &waiting("60s", ""));
    let out = podsim()
        .args(["run", "-q", "-o", "json", "--cancel-after", "300ms"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "pipeline task settle: CustomRun cancelled as the PipelineRun it belongs to has been cancelled.",
        ))
        .get_output()
        .stdout
        .clone();
    insta::assert_yaml_snapshot!("customrun_pipeline_cancelled", status_of(&out));
}

#[test]
fn the_pipeline_timeout_cancels_the_running_customrun() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(&dir, &waiting("60s", "timeouts: {pipeline: 300ms}"));
    podsim()
        .args(["run", "-q"])
        .arg(&file)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("w: PipelineRunTimeout"))
        .stderr(predicate::str::contains(
            "pipeline task settle: CustomRun cancelled as the PipelineRun it belongs to has timed out.",
        ));
}

#[test]
fn the_tasks_timeout_cancels_the_customrun_and_finally_still_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        &waiting("60s", "timeouts: {pipeline: 60s, tasks: 300ms}"),
    );
    let out = podsim()
        .args(["run", "-q", "-o", "json"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("has timed out."))
        .get_output()
        .stdout
        .clone();
    let status = status_of(&out);
    let children: Vec<&str> = status["childReferences"]
        .as_array()
        .expect("childReferences")
        .iter()
        .filter_map(|c| c["pipelineTaskName"].as_str())
        .collect();
    assert_eq!(children, ["settle", "cleanup"]);
}

#[test]
fn the_pipeline_tasks_timeout_becomes_the_customruns_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = waiting("60s", "").replace(
        "      - name: settle\n",
        "      - name: settle\n        timeout: 200ms\n        retries: 1\n",
    );
    let file = write(&dir, &text);
    podsim()
        .args(["run", "-q"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "pipeline task settle: CustomRun \"w-settle\" timed out after 200ms",
        ));
}

#[test]
fn a_custom_task_without_runner_fails_its_pipeline_task() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        &waiting("1s", "").replace("wait.testing.tekton.dev/v1beta1", "nobody.dev/v1"),
    );
    podsim()
        .args(["run", "-q"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "custom task nobody.dev/v1/Wait: no runner registered",
        ));
}

#[test]
fn a_bad_custom_task_flag_is_bad_input() {
    podsim()
        .args([
            "run",
            "-q",
            "--custom-task",
            "nonsense",
            "examples/customrun-pipeline.yaml",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--custom-task \"nonsense\""));
}

#[test]
fn ctrl_c_cancels_the_running_customrun_and_exits_130() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(&dir, &waiting("60s", ""));
    common::entrypoint();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("podsim"))
        .args(["run"])
        .arg(&file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start podsim");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = std::io::BufReader::new(stderr).lines();
    // The cancellation request exists once the start line is out.
    for line in lines.by_ref() {
        if line
            .expect("read stderr")
            .contains("settle/customrun w-settle started")
        {
            break;
        }
    }
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("SIGINT");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().expect("podsim ends");
    assert_eq!(status.code(), Some(130), "{rest:?}");
    let rest = rest.join("\n");
    assert!(
        rest.contains("settle/customrun CustomRunCancelled"),
        "{rest}"
    );
    assert!(
        rest.contains("CustomRun cancelled as the PipelineRun it belongs to has been cancelled."),
        "{rest}"
    );
}

#[test]
fn a_pipeline_task_timeout_is_rejected_by_a_runner_without_timeouts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: u}
spec:
  pipelineSpec:
    tasks:
      - name: approve
        timeout: 1m
        taskRef: {apiVersion: example.dev/v1, kind: Approval}
        params: [{name: decision, value: approve}, {name: approver, value: carol}]
",
    );
    podsim()
        .args([
            "run",
            "-q",
            "--custom-task-config",
            "examples/customrun-runners.yaml",
        ])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "pipeline task approve: this custom task does not support spec.timeout",
        ));
}

/// A PipelineRun `mw` whose task `waits` is a Wait matrixed over
/// `durations`, with an include entry naming the first, and a TaskRun after it.
fn matrixed_wait(dir: &tempfile::TempDir, durations: [&str; 2]) -> std::path::PathBuf {
    let [first, second] = durations;
    write(
        dir,
        &format!(
            "apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {{name: mw}}
spec:
  pipelineSpec:
    tasks:
      - name: waits
        taskRef: {{apiVersion: wait.testing.tekton.dev/v1beta1, kind: Wait}}
        matrix:
          params: [{{name: duration, value: [{first}, {second}]}}]
          include: [{{name: quick, params: [{{name: duration, value: {first}}}]}}]
      - name: after
        runAfter: [waits]
        taskSpec:
          steps: [{{name: s, image: busybox, script: 'true'}}]
"
        ),
    )
}

#[test]
fn a_matrixed_custom_task_runs_one_customrun_per_combination() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = matrixed_wait(&dir, ["10ms", "20ms"]);
    let out = podsim()
        .args(["run", "-q", "-o", "json"])
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let status = status_of(&out);
    let refs = status["childReferences"].as_array().expect("children");
    let customs: Vec<_> = refs.iter().filter(|r| r["kind"] == "CustomRun").collect();
    assert_eq!(customs.len(), 2, "{refs:?}");
    assert_eq!(customs[0]["name"], "mw-waits-0");
    assert_eq!(customs[0]["apiVersion"], "tekton.dev/v1beta1");
    assert_eq!(customs[0]["displayName"], "quick");
    assert!(customs[1].get("displayName").is_none());
    assert_eq!(
        status["conditions"][0]["message"],
        "Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0"
    );

    // Cancelling the run cancels every CustomRun of the matrix (else 30 s).
    let file = matrixed_wait(&dir, ["30s", "40s"]);
    podsim()
        .args(["run", "-q", "--cancel-after", "200ms"])
        .arg(&file)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "mw: Cancelled (PipelineRun \"mw\" was cancelled)",
        ))
        .stderr(predicate::str::contains(
            "pipeline task waits-1: CustomRun cancelled as the PipelineRun it belongs to has been cancelled.",
        ));
}
