//! The whole catalog on real containers (`podman kube play`), held to the
//! snapshots the sim backend records. Runs whenever podman works here; with
//! `CONFORMANCE_REQUIRE=podman` a missing or broken podman fails the test.
//! A skip always says why on stderr (uncaptured).

use std::io::Write;
use std::path::Path;
use std::process::Command;

use conformance::backend::{podman::Podman, Backend, Settings};
use conformance::{catalog, expect, matrix, report};

fn required() -> bool {
    std::env::var("CONFORMANCE_REQUIRE").is_ok_and(|v| v.split(',').any(|b| b.trim() == "podman"))
}

/// Skips (printing why, past the test harness' capture) or fails when podman is required.
fn skip(why: &str) {
    assert!(
        !required(),
        "CONFORMANCE_REQUIRE=podman, but the podman backend cannot run: {why}"
    );
    let _ = writeln!(std::io::stderr(), "SKIPPED podman conformance: {why}");
}

#[test]
fn every_scenario_matches_its_snapshot_on_podman() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let settings = Settings::default();
    let conf = settings.containers_conf.clone();
    if Command::new("podman").arg("--version").output().is_err() {
        return skip("podman is not installed (run scripts/install-podman as root)");
    }
    let built = Command::new(root.join("scripts").join("build-images"))
        .env("CONTAINERS_CONF", &conf)
        .output();
    match built {
        Err(e) => return skip(&format!("cannot run scripts/build-images: {e}")),
        Ok(out) if !out.status.success() => {
            return skip(&format!(
                "scripts/build-images failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
        Ok(_) => {}
    }
    let backend = match Podman::new(&settings) {
        Ok(backend) => backend,
        Err(e) => return skip(&e.to_string()),
    };
    let cases = catalog::load_dir(&catalog::default_dir()).expect("the catalog loads");
    let quiet = |_: &matrix::Cell| {};
    let cells = matrix::run_backend(
        &backend,
        &cases,
        &expect::default_dir(),
        backend.workers(),
        &quiet,
    );
    drop(backend);
    let table = report::table(&cells);
    let _ = writeln!(std::io::stderr(), "{table}");
    assert!(
        cells.iter().all(matrix::Cell::passed),
        "backend podman differs from the snapshots:\n{table}"
    );
}
