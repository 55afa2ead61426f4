//! The `cluster` backend through the real binary, without a cluster: a
//! kubeconfig that cannot be read or whose API server does not answer is one
//! clear line naming it, every case is an error, and the exit status is 1.
//! The catalog on a live cluster is scripts/conformance-cluster's job
//! (scripts/cluster up, then `conformance run --backend cluster`).

use assert_cmd::Command;
use predicates::prelude::*;

fn conformance() -> Command {
    let mut cmd = Command::cargo_bin("conformance").expect("the conformance binary is built");
    cmd.env_remove("KUBECONFIG");
    cmd
}

#[test]
fn missing_kubeconfig_is_named_and_fails() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let missing = dir.path().join("nope.kubeconfig");
    conformance()
        .args([
            "run",
            "--backend",
            "cluster",
            "--scenario",
            "one-step",
            "--kubeconfig",
        ])
        .arg(&missing)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "backend cluster is not available: kubeconfig",
        ))
        .stderr(predicate::str::contains("nope.kubeconfig"));
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
    conformance()
        .args([
            "run",
            "--backend",
            "cluster",
            "--scenario",
            "one-step",
            "--kubeconfig",
        ])
        .arg(&file)
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "backend cluster is not available: the API server does not answer",
        ));
}
