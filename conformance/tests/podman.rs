//! The whole catalog on real containers (`podman kube play`), held to the
//! snapshots the sim backend records: once with our entrypoint, once with
//! upstream Tekton's v1.0.0 (`scripts/upstream-entrypoint v1.0.0`). Runs
//! whenever podman works here; `CONFORMANCE_REQUIRE=podman` makes a missing or
//! broken podman a failure, `CONFORMANCE_REQUIRE=upstream` a missing upstream
//! image. A skip always says why on stderr (uncaptured).

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

use conformance::backend::{podman::Podman, Backend, Settings};
use conformance::deviations::{self, Registry};
use conformance::entrypoints::{self, Entrypoint};
use conformance::matrix::Column;
use conformance::{catalog, expect, matrix, report};

/// The reference upstream version every CI run compares with.
const UPSTREAM: &str = "v1.0.0";

/// One catalog on podman at a time: two at once would only fight over two cores.
static PODMAN: Mutex<()> = Mutex::new(());

fn required(tier: &str) -> bool {
    std::env::var("CONFORMANCE_REQUIRE").is_ok_and(|v| v.split(',').any(|b| b.trim() == tier))
}

/// Skips (printing why, past the test harness' capture) or fails when `tier` is required.
fn skip(tier: &str, why: &str) {
    assert!(
        !required(tier),
        "CONFORMANCE_REQUIRE={tier}, but it cannot run: {why}"
    );
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {tier} conformance on podman: {why}"
    );
}

/// Builds our images (quick when nothing changed); `Err` says why it could not.
fn build_images(root: &Path, conf: &Path) -> Result<(), String> {
    if Command::new("podman").arg("--version").output().is_err() {
        return Err("podman is not installed (run scripts/install-podman as root)".to_string());
    }
    let built = Command::new(root.join("scripts").join("build-images"))
        .env("CONTAINERS_CONF", conf)
        .output()
        .map_err(|e| format!("cannot run scripts/build-images: {e}"))?;
    if !built.status.success() {
        return Err(format!(
            "scripts/build-images failed:\n{}{}",
            String::from_utf8_lossy(&built.stdout),
            String::from_utf8_lossy(&built.stderr)
        ));
    }
    Ok(())
}

/// Runs the catalog on podman with `entrypoint`; skips (or fails when
/// `tier` is required) when podman or an image is missing.
fn run_catalog(tier: &str, entrypoint: &Entrypoint) {
    let _one_at_a_time = PODMAN.lock().unwrap_or_else(|e| e.into_inner());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut settings = Settings::default();
    settings.images.entrypoint_image = entrypoint.image.clone();
    if let Err(why) = build_images(&root, &settings.containers_conf) {
        return skip(tier, &why);
    }
    let backend = match Podman::new(&settings) {
        Ok(backend) => backend,
        Err(e) => return skip(tier, &e.to_string()),
    };
    let name = format!("podman/{}", entrypoint.name);
    let registry = Registry::load(&deviations::default_path()).expect("compat/deviations.yaml");
    let column = Column {
        name: &name,
        upstream: entrypoint.upstream.as_deref(),
        registry: &registry,
    };
    let cases = catalog::load_dir(&catalog::default_dir()).expect("the catalog loads");
    let quiet = |_: &matrix::Cell| {};
    let cells = matrix::run_backend(
        &backend,
        &column,
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
        "{name} differs from the snapshots:\n{table}"
    );
}

#[test]
fn every_scenario_matches_its_snapshot_on_podman() {
    run_catalog("podman", &Entrypoint::ours(None, None));
}

#[test]
fn every_scenario_matches_its_snapshot_on_podman_with_upstreams_entrypoint() {
    let upstream = Entrypoint::upstream(UPSTREAM, &entrypoints::upstream_dir());
    run_catalog("upstream", &upstream);
}
