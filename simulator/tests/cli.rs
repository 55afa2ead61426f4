//! Black-box tests of the `podsim` binary.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

fn podsim() -> Command {
    common::entrypoint();
    Command::cargo_bin("podsim").expect("podsim binary")
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write scenario");
    path
}

#[test]
fn bad_yaml_reports_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "bad.yaml",
        "name: t\nsteps:\n  - name: a\n    command: [true\n",
    );
    podsim()
        .args(["run"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::is_match(r"bad\.yaml:\d+:\d+: ").expect("regex"));
}

#[test]
fn unknown_field_names_path_and_suggestion() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "typo.yaml",
        "name: t\nsteps:\n  - name: a\n    comand: [true]\n",
    );
    podsim()
        .arg("render")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "typo.yaml:4:5: steps[0].comand: unknown field `comand`",
        ))
        .stderr(predicate::str::contains("did you mean `command`?"));
}

/// Invalid scenarios are rejected before any step runs: the marker file a
/// step would create never appears.
#[test]
fn invalid_scenarios_are_rejected_before_anything_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let marker = dir.path().join("ran");
    let touch = format!("command: [touch, {}]", marker.display());
    let cases = [
        (
            "duplicate",
            format!("name: t\nsteps:\n  - name: a\n    {touch}\n  - name: a\n    {touch}\n"),
            "steps[1].name: duplicate step name \"a\"",
        ),
        (
            "empty",
            "name: t\nsteps: []\n".to_string(),
            "steps: at least one step is needed",
        ),
        (
            "on-error",
            format!("name: t\nsteps:\n  - name: a\n    onError: ignore\n    {touch}\n"),
            "steps[0].onError: \"ignore\" is not valid",
        ),
        (
            "duration",
            format!("name: t\ntimeout: 5\nsteps:\n  - name: a\n    {touch}\n"),
            "timeout: invalid duration \"5\"",
        ),
    ];
    for (name, text, message) in cases {
        let file = write(&dir, &format!("{name}.yaml"), &text);
        podsim()
            .arg("run")
            .arg(&file)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
        assert!(!marker.exists(), "{name}: a step ran");
    }
}

#[test]
fn missing_entrypoint_says_how_to_build_it() {
    podsim()
        .args(["run", "--entrypoint", "/nonexistent/entrypoint"])
        .arg(common::examples_dir().join("ordered-steps.yaml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cargo build -p entrypoint"));
}

#[test]
fn render_prints_a_pod() {
    podsim()
        .arg("render")
        .arg(common::examples_dir().join("ordered-steps.yaml"))
        .assert()
        .success()
        .stdout(predicate::str::starts_with("apiVersion: v1\nkind: Pod\n"))
        .stdout(predicate::str::contains("- init\n    - /ko-app/entrypoint"));
}

#[test]
fn run_succeeds_with_json_status_and_logs() {
    let output = podsim()
        .args(["run", "-o", "json", "--logs"])
        .arg(common::examples_dir().join("ordered-steps.yaml"))
        .assert()
        .success()
        .stderr(predicate::str::contains("[step-build] building v1.2.3"))
        .get_output()
        .stdout
        .clone();
    let status: serde_json::Value = serde_json::from_slice(&output).expect("JSON status");
    assert_eq!(status["conditions"][0]["reason"], "Succeeded");
    assert_eq!(status["steps"][2]["terminated"]["reason"], "Completed");
}

#[test]
fn failed_run_exits_1_with_yaml_status() {
    podsim()
        .args(["run", "-q", "-o", "yaml"])
        .arg(common::examples_dir().join("failure-skip.yaml"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("reason: Failed"))
        .stdout(predicate::str::contains("reason: Skipped"));
}

#[test]
fn plain_progress_lines_when_not_a_terminal() {
    podsim()
        .arg("run")
        .arg(common::examples_dir().join("on-error-continue.yaml"))
        .assert()
        .success()
        .stdout("on-error-continue-pod: Succeeded (All Steps have completed executing)\n")
        .stderr(predicate::str::contains("step-flaky Continued (exit 7)"));
}

#[test]
fn pod_manifests_run_too() {
    podsim()
        .args(["run", "-q", "--logs"])
        .arg(common::examples_dir().join("ordered-pod.yaml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("[third] one\n[third] two\n"));
}
