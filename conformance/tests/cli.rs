//! Black-box tests of the `conformance` binary (sim backend only).

use assert_cmd::Command;
use predicates::prelude::*;

fn conformance() -> Command {
    Command::cargo_bin("conformance").expect("the binary is built")
}

#[test]
fn run_prints_the_matrix_and_ends_with_the_summary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let junit = dir.path().join("junit.xml");
    let markdown = dir.path().join("report.md");
    let out = conformance()
        .args([
            "run",
            "--backend",
            "sim",
            "--scenario",
            "one-step,two-steps",
        ])
        .arg("--junit")
        .arg(&junit)
        .arg("--markdown")
        .arg(&markdown)
        .assert()
        .success()
        .stdout(predicate::str::contains("one-step").and(predicate::str::contains("pass")));
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert_eq!(
        stdout.trim_end().lines().last(),
        Some("2 passed, 0 failed"),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert!(
        xml.contains("<testsuite name=\"sim/ours\" tests=\"2\" failures=\"0\""),
        "{xml}"
    );
    let md = std::fs::read_to_string(&markdown).expect("markdown written");
    assert!(md.contains("| one-step | pass"), "{md}");
}

#[test]
fn a_mismatch_fails_with_a_diff_naming_the_backend() {
    let dir = tempfile::tempdir().expect("temp dir");
    let snap =
        "---\nsource: test\n---\ncondition:\n  status: 'False'\n  reason: Failed\nsteps: []\n";
    std::fs::write(dir.path().join("one-step.snap"), snap).expect("write snapshot");
    conformance()
        .args(["run", "--scenario", "one-step", "--snapshots"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("--- one-step on backend sim/ours: outcome differs")
                .and(predicate::str::contains("-  reason: Failed"))
                .and(predicate::str::contains("+  reason: Succeeded"))
                .and(predicate::str::ends_with("0 passed, 1 failed\n")),
        );
}

#[test]
fn a_glob_matching_nothing_is_a_usage_error() {
    conformance()
        .args(["run", "--scenario", "no-such-*"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no scenario matches"));
}

#[test]
fn an_unknown_entrypoint_is_a_usage_error_naming_it() {
    conformance()
        .args(["run", "--entrypoint", "ours,theirs"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("\"theirs\" is not an entrypoint")
                .and(predicate::str::contains("upstream-VERSION")),
        );
}

#[test]
fn a_missing_upstream_build_is_an_error_cell_saying_how_to_build_it() {
    let empty = tempfile::tempdir().expect("temp dir");
    conformance()
        .args([
            "run",
            "--scenario",
            "one-step",
            "--entrypoint",
            "ours,upstream-v9.9.9",
        ])
        .env("CONFORMANCE_UPSTREAM_DIR", empty.path())
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("sim/ours")
                .and(predicate::str::contains("sim/upstream-v9.9.9"))
                .and(predicate::str::ends_with("1 passed, 1 failed\n")),
        )
        .stderr(predicate::str::contains(
            "scripts/upstream-entrypoint v9.9.9",
        ));
}

#[test]
fn list_names_every_scenario() {
    conformance().arg("list").assert().success().stdout(
        predicate::str::contains("dag\n").and(predicate::str::contains("cancel-running-step\n")),
    );
}
