//! The differential suite against upstream's v1.0.0 entrypoint, when built
//! (`scripts/upstream-entrypoint v1.0.0`); with CI=true a missing binary fails.

use std::path::PathBuf;

use assert_cmd::Command;

fn upstream() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut candidates = vec![root.join("target/upstream/v1.0.0/entrypoint")];
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        candidates.insert(0, PathBuf::from(dir).join("upstream/v1.0.0/entrypoint"));
    }
    if let Some(path) = std::env::var_os("UPSTREAM_ENTRYPOINT") {
        candidates.insert(0, PathBuf::from(path));
    }
    candidates.into_iter().find(|p| p.is_file())
}

fn ours() -> PathBuf {
    let conformance = assert_cmd::cargo::cargo_bin("conformance");
    conformance.with_file_name("entrypoint")
}

fn suite() -> Option<std::process::Output> {
    let Some(upstream) = upstream() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "upstream entrypoint v1.0.0 missing: run scripts/upstream-entrypoint v1.0.0"
        );
        eprintln!(
            "skipped: upstream entrypoint v1.0.0 not built (scripts/upstream-entrypoint v1.0.0)"
        );
        return None;
    };
    if !ours().is_file() {
        eprintln!(
            "skipped: {} not built (cargo build -p entrypoint)",
            ours().display()
        );
        return None;
    }
    let out = Command::cargo_bin("conformance")
        .expect("conformance binary")
        .args(["compat", "--upstream", "v1.0.0", "--upstream-binary"])
        .arg(upstream)
        .arg("--ours")
        .arg(ours())
        .output()
        .expect("run conformance compat");
    Some(out)
}

#[test]
fn suite_runs_and_prints_its_summary_last() {
    let Some(out) = suite() else { return };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    let words: Vec<&str> = last.split(' ').collect();
    assert!(
        words.len() == 8
            && words[1] == "cases,"
            && words[3] == "documented"
            && words[6] == "undocumented",
        "last line: {last}"
    );
    let cases: usize = words[0].parse().expect("case count");
    assert!(cases >= 60, "{cases} cases");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("STALE"), "stale deviations:\n{stderr}");
}

/// Every difference from upstream is fixed or registered, and no registered
/// deviation is stale (the suite exits 0).
#[test]
fn suite_has_no_undocumented_difference() {
    let Some(out) = suite() else { return };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn missing_upstream_binary_is_one_clear_line() {
    Command::cargo_bin("conformance")
        .expect("conformance binary")
        .args([
            "compat",
            "--upstream",
            "v9.9.9",
            "--upstream-binary",
            "/nonexistent/entrypoint",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "scripts/upstream-entrypoint v9.9.9",
        ));
}

#[test]
fn a_registered_deviation_no_case_observes_is_stale() {
    let Some(upstream) = upstream() else { return };
    if !ours().is_file() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let registry = dir.path().join("deviations.yaml");
    std::fs::write(
        &registry,
        "deviations:\n  - id: not-really\n    area: entrypoint\n    what: w\n    why: y\n    docs: '#not-really'\n    cases: [stdout-and-stderr]\n",
    )
    .expect("write registry");
    Command::cargo_bin("conformance")
        .expect("conformance binary")
        .args(["compat", "--case", "stdout-and-stderr", "--upstream-binary"])
        .arg(upstream)
        .arg("--ours")
        .arg(ours())
        .arg("--deviations")
        .arg(&registry)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("STALE deviation not-really"))
        .stdout(predicates::str::ends_with(
            "1 cases, 0 documented deviations, 0 undocumented differences\n",
        ));
}
