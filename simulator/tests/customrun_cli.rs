//! `podsim run customrun.yaml` through the real binary.

use assert_cmd::Command;
use predicates::prelude::*;

fn podsim() -> Command {
    let mut cmd = Command::cargo_bin("podsim").unwrap();
    cmd.timeout(std::time::Duration::from_secs(60));
    cmd
}

const APPROVAL: &str = "example.dev/v1/Approval=sh ../examples/customrun-approval.sh";

#[test]
fn the_wait_example_succeeds() {
    podsim()
        .args(["run", "../examples/customrun-wait.yaml", "--quiet"])
        .assert()
        .success()
        .stdout("wait-a-moment: DurationElapsed (100ms elapsed)\n");
}

#[test]
fn the_approval_example_reports_its_result() {
    let out = podsim()
        .args([
            "run",
            "../examples/customrun-approval.yaml",
            "-q",
            "-o",
            "json",
            "--custom-task",
            APPROVAL,
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let status: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(status["conditions"][0]["reason"], "Approved");
    assert_eq!(
        status["results"][0],
        serde_json::json!({"name": "approver", "value": "alice"})
    );
}

#[test]
fn a_declared_unsupported_timeout_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("runners.yaml");
    let root = std::fs::canonicalize("..").unwrap();
    std::fs::write(
        &config,
        format!(
            "runners:\n- apiVersion: example.dev/v1\n  kind: Approval\n  command: [sh, {}/examples/customrun-approval.sh]\n  unsupported: [timeout]\n",
            root.display()
        ),
    )
    .unwrap();
    let run = dir.path().join("run.yaml");
    let text =
        std::fs::read_to_string("../examples/customrun-approval.yaml").unwrap() + "  timeout: 1s\n";
    std::fs::write(&run, text).unwrap();
    podsim()
        .args([
            "run",
            run.to_str().unwrap(),
            "-q",
            "--custom-task-config",
            config.to_str().unwrap(),
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "CustomRunFeatureNotSupported (this custom task does not support spec.timeout)",
        ));
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let both = dir.path().join("both.yaml");
    std::fs::write(
        &both,
        "kind: CustomRun\nspec:\n  customRef: {apiVersion: a/v1, kind: K}\n  customSpec: {apiVersion: a/v1, kind: K}\n",
    )
    .unwrap();
    podsim()
        .args(["validate", "../examples/customrun-approval.yaml"])
        .assert()
        .success()
        .stdout("../examples/customrun-approval.yaml: ok\n");
    podsim()
        .args(["validate", both.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("got both"));
    podsim()
        .args(["run", both.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::ends_with(
            "expected exactly one, got both: spec.customRef, spec.customSpec\n",
        ));
    podsim()
        .args(["run", "../examples/customrun-approval.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no runner for example.dev/v1/Approval",
        ));
    podsim()
        .args([
            "run",
            "../examples/customrun-wait.yaml",
            "--custom-task",
            "nonsense",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--custom-task \"nonsense\": expected API/KIND=CMD",
        ));
}

#[test]
fn ctrl_c_cancels_the_customrun_and_exits_130() {
    use std::io::{BufRead, BufReader, Read};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wait.yaml");
    let text = std::fs::read_to_string("../examples/customrun-approval.yaml")
        .unwrap()
        .replace("value: approve", "value: wait");
    std::fs::write(&file, text).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("podsim"))
        .args(["run", file.to_str().unwrap(), "--custom-task", APPROVAL])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    // The event: podsim shows the runner's Unknown status.
    while !line.contains("Unknown Running") {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "podsim ended early"
        );
    }
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let mut stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        let mut out = String::new();
        let _ = stdout.read_to_string(&mut out);
        let _ = tx.send((child.wait().unwrap(), out));
    });
    let (exit, out) = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("podsim did not end after SIGINT");
    assert_eq!(exit.code(), Some(130));
    assert_eq!(
        out,
        "release-approval: CustomRunCancelled (CustomRun cancelled: podsim was interrupted.)\n"
    );
}
