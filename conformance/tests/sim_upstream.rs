//! The whole catalog on the `sim` backend with upstream Tekton's entrypoint
//! v1.0.0 as the containers' wrapper (`scripts/upstream-entrypoint v1.0.0`),
//! each container in its own mount namespace, held to the same snapshots
//! (and the registered deviations) as every other column.
//! `CONFORMANCE_REQUIRE=upstream` makes a missing build a failure.

use std::io::Write;

use conformance::backend::{sim::Sim, Backend, Settings};
use conformance::deviations::{self, Registry};
use conformance::entrypoints::{self, Entrypoint};
use conformance::matrix::{self, Column};
use conformance::{catalog, expect, report};

const UPSTREAM: &str = "v1.0.0";

#[test]
fn every_scenario_matches_its_snapshot_on_sim_with_upstreams_entrypoint() {
    let required = std::env::var("CONFORMANCE_REQUIRE")
        .is_ok_and(|v| v.split(',').any(|t| t.trim() == "upstream"));
    let upstream = Entrypoint::upstream(UPSTREAM, &entrypoints::upstream_dir());
    let settings = Settings {
        entrypoint_binary: upstream.binary.clone(),
        upstream: true,
        ..Settings::default()
    };
    let backend = match upstream
        .existing_binary()
        .map_err(|e| e.to_string())
        .and_then(|_| Sim::new(&settings).map_err(|e| e.to_string()))
    {
        Ok(backend) => backend,
        Err(why) => {
            assert!(
                !required,
                "CONFORMANCE_REQUIRE=upstream, but sim cannot run it: {why}"
            );
            let _ = writeln!(std::io::stderr(), "SKIPPED sim/upstream-{UPSTREAM}: {why}");
            return;
        }
    };
    let registry = Registry::load(&deviations::default_path()).expect("compat/deviations.yaml");
    let name = format!("sim/{}", upstream.name);
    let column = Column {
        name: &name,
        upstream: Some(UPSTREAM),
        registry: &registry,
    };
    let cases = catalog::load_dir(&catalog::default_dir()).expect("the catalog loads");
    let cells = matrix::run_backend(
        &backend,
        &column,
        &cases,
        &expect::default_dir(),
        backend.workers(),
        &|_| {},
    );
    let table = report::table(&cells);
    assert!(
        cells.iter().all(matrix::Cell::passed),
        "{name} differs from the snapshots:\n{table}"
    );
}
