//! `podsim lint` through the real binary: exit status 0/1/2, the three
//! formats, workload kinds and a Helm chart with several values files.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lint")
        .join(name)
}

fn lint() -> Command {
    let mut cmd = Command::cargo_bin("podsim").expect("podsim binary");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).arg("lint");
    cmd
}

#[test]
fn clean_input_exits_0() {
    lint()
        .arg("../examples/ordered-pod.yaml")
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn the_mismatched_mounts_pod_is_a_finding_with_its_fix() {
    lint()
        .arg("tests/fixtures/lint/mismatched-mounts.yaml")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "tests/fixtures/lint/mismatched-mounts.yaml:42:13: wait-unseen: 'second' waits for /sequence/first, but 'second' has no volume at /sequence",
        ))
        .stdout(predicate::str::contains("never-starts"))
        .stdout(predicate::str::contains("(fix: mount the shared volume"));
}

#[test]
fn json_output_is_a_snapshot() {
    let out = lint()
        .args([
            "--format",
            "json",
            "tests/fixtures/lint/mismatched-mounts.yaml",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!("lint_mismatched_mounts_json", String::from_utf8_lossy(&out));
}

#[test]
fn sarif_output_is_sarif_2_1() {
    let out = lint()
        .args([
            "--format",
            "sarif",
            "tests/fixtures/lint/mismatched-mounts.yaml",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let log: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(!results.is_empty());
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        42
    );
}

#[test]
fn every_workload_kind_and_the_helm_chart_are_checked() {
    let out = lint()
        .args(["--wrapper-image", "registry.local/wrapped/*"])
        .arg(fixture("workloads.yaml"))
        .arg(fixture("chart"))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    for name in [
        "deployment",
        "statefulset",
        "daemonset",
        "replicaset",
        "job",
        "cronjob",
        "podtemplate",
    ] {
        assert!(
            text.contains(&format!("container '{name}' sets command")),
            "{name}: {text}"
        );
    }
    for fine in ["args-only", "explicit-wrapper", "other-image"] {
        assert!(!text.contains(fine), "{fine}: {text}");
    }
    assert!(
        text.contains("chart/values.prod.yaml:3:3: helm-command-overrides-wrapper"),
        "{text}"
    );
    assert!(
        text.contains("chart/templates/deployment.yaml:12:11: helm-command-overrides-wrapper"),
        "{text}"
    );
    assert!(text.contains("move the command into args"), "{text}");
    assert_eq!(text.lines().count(), 9, "{text}");
}

#[test]
fn without_a_wrapper_image_no_wrapped_image_rule_runs() {
    lint().arg(fixture("workloads.yaml")).assert().code(0);
}

#[test]
fn unreadable_or_invalid_input_exits_2() {
    lint()
        .arg("tests/fixtures/lint/does-not-exist.yaml")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does-not-exist.yaml"));
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "kind: Pod\nspec: [unclosed\n").expect("write");
    lint()
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not valid YAML"));
    lint().assert().code(2);
}
