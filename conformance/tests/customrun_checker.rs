//! `conformance customrun` through the real binary: the good runners pass
//! every MUST, each deliberately broken runner fails the MUST it breaks.

use assert_cmd::Command;
use predicates::prelude::*;

fn checker(args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("conformance")
        .unwrap()
        .arg("customrun")
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .assert()
}

fn broken(script: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    let runner = format!("sh tests/fixtures/customrun/{script}");
    let mut args = vec!["--runner", runner.as_str(), "--grace", "200ms"];
    args.extend_from_slice(extra);
    checker(&args)
}

#[test]
fn approval_example_passes_every_applicable_must() {
    let output = checker(&[
        "--runner",
        "sh ../examples/customrun-approval.sh",
        "--deadline",
        "20s",
        // Generous: the runner starts jq several times and the machine may be busy.
        "--grace",
        "10s",
    ])
    .success()
    .get_output()
    .stdout
    .clone();
    insta::assert_snapshot!(String::from_utf8_lossy(&output));
}

#[test]
fn builtin_wait_passes_every_applicable_must() {
    checker(&["--builtin", "wait", "--deadline", "20s"])
        .success()
        .stdout(predicate::str::ends_with("17 passed, 0 failed\n"));
}

#[test]
fn false_before_retries_are_exhausted_is_caught() {
    broken("false-first.sh", &["--deadline", "20s"])
        .code(1)
        .stdout(predicate::str::contains(
            "FAIL  MUST NOT report False before the retries are exhausted: with retries: 2 it reported Succeeded=False",
        ))
        .stdout(predicate::str::ends_with(" failed\n"));
}

#[test]
fn ignored_cancellation_is_caught() {
    broken("ignores-cancel.sh", &["--deadline", "20s"])
        .code(1)
        .stdout(predicate::str::contains(
            "FAIL  MUST end CustomRunCancelled after spec.status RunCancelled, within the deadline: ended with Succeeded=False reason \"RunnerKilled\"",
        ));
}

#[test]
fn a_runner_that_never_reports_is_caught() {
    broken(
        "never-reports.sh",
        &["--deadline", "300ms", "--cancel-deadline", "1s"],
    )
    .code(1)
    .stdout(predicate::str::contains(
        "FAIL  MUST report Succeeded=Unknown while running: no Succeeded=Unknown within",
    ))
    .stdout(predicate::str::contains(
        "FAIL  MUST end Succeeded=True when the task succeeds",
    ));
}

#[test]
fn no_cluster_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kubeconfig");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\n\
         contexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: t}\n",
    )
    .unwrap();
    let assert = checker(&["--kubeconfig", file.to_str().unwrap()]).code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("conformance: --kubeconfig "), "{stderr}");
    assert!(
        stderr.contains("no cluster answers at https://127.0.0.1:1"),
        "{stderr}"
    );
}

#[test]
fn bad_flags_are_one_line() {
    checker(&["--builtin", "nope"])
        .code(2)
        .stderr("conformance: --builtin \"nope\": the built-in runners are: wait\n");
    checker(&["--runner", "true", "--grace", "soon"])
        .code(2)
        .stderr(predicate::str::starts_with(
            "conformance: --grace: invalid duration",
        ));
}
