//! `podsim customrun controller` and `podsim render customrun.yaml` through
//! the real binary, without a cluster: bad flags, a missing kubeconfig and a
//! silent API server are one line each and exit 2; render prints the
//! CustomRun validated and defaulted. The controller on a live cluster is
//! conformance/tests/customrun_cluster.rs's job (scripts/customrun-cluster).

use assert_cmd::Command;
use predicates::prelude::*;

fn podsim() -> Command {
    let mut cmd = Command::cargo_bin("podsim").expect("the podsim binary is built");
    cmd.env_remove("KUBECONFIG")
        .timeout(std::time::Duration::from_secs(60));
    cmd
}

fn one_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr).to_string();
    assert_eq!(text.lines().count(), 1, "{text}");
    text
}

#[test]
fn missing_kubeconfig_is_named() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let missing = dir.path().join("nope.kubeconfig");
    let out = podsim()
        .args(["customrun", "controller", "--kubeconfig"])
        .arg(&missing)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let line = one_line(&out.stderr);
    assert!(
        line.contains("--kubeconfig") && line.contains("nope.kubeconfig"),
        "{line}"
    );
}

#[test]
fn silent_api_server_is_reported_not_hung() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("dead.kubeconfig");
    // Port 9 on loopback (discard): nothing listens there, the connection is refused.
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:9\", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: x}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n",
    )
    .expect("write the kubeconfig");
    let out = podsim()
        .args(["customrun", "controller", "--kubeconfig"])
        .arg(&file)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let line = one_line(&out.stderr);
    assert!(
        line.contains("no cluster answers at https://127.0.0.1:9"),
        "{line}"
    );
}

#[test]
fn a_bad_custom_task_flag_is_refused_before_connecting() {
    podsim()
        .args([
            "customrun",
            "controller",
            "--kubeconfig",
            "/nonexistent",
            "--custom-task",
            "Approval=sh x.sh",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--custom-task \"Approval=sh x.sh\"",
        ));
}

#[test]
fn render_prints_the_customrun_defaulted() {
    let out = podsim()
        .args(["render", "../examples/customrun-wait.yaml"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!(String::from_utf8_lossy(&out));
}

#[test]
fn render_refuses_an_invalid_customrun() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("both.yaml");
    std::fs::write(
        &file,
        "apiVersion: tekton.dev/v1beta1\nkind: CustomRun\nmetadata: {name: both}\nspec:\n  customRef: {apiVersion: a.dev/v1, kind: K}\n  customSpec: {apiVersion: a.dev/v1, kind: K}\n",
    )
    .expect("write the CustomRun");
    podsim()
        .arg("render")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "both.yaml: expected exactly one, got both: spec.customRef, spec.customSpec",
        ));
}
