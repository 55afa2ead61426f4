//! The whole catalog on the `sim` backend: one insta snapshot per scenario
//! (`tests/snapshots/<scenario>.snap`). These snapshots are the expected
//! outcomes every other backend is held to.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use conformance::backend::{sim::Sim, Backend, Settings};
use conformance::catalog;
use conformance::outcome::normalise;
use simulator::runtime::isolation::{namespaces_available, Isolation};

#[test]
fn every_scenario_matches_its_snapshot_on_sim_with_path_mapping() {
    run_catalog(Isolation::Paths);
}

#[test]
fn every_scenario_matches_its_snapshot_on_sim_in_namespaces() {
    if !namespaces_available() {
        eprintln!("skipped: this kernel gives no mount namespaces to this user");
        return;
    }
    run_catalog(Isolation::Namespaces);
}

fn run_catalog(isolation: Isolation) {
    let cases = catalog::load_dir(&catalog::default_dir()).expect("the catalog loads");
    assert!(
        cases.len() >= 30,
        "the catalog has {} scenarios, the issue asks for at least 30",
        cases.len()
    );
    let backend = Sim::new(&Settings::default())
        .unwrap_or_else(|e| {
            panic!(
                "{e}\n(`cargo test --workspace` builds it; alone: `cargo build -p entrypoint` first)"
            )
        })
        .with_isolation(isolation);

    // Run in parallel (the simulator mostly waits), compare on this thread.
    let outcomes: Mutex<Vec<(String, Result<String, String>)>> = Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..backend.workers() {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let result = backend
                    .run(case)
                    .map(|o| normalise(&o.status, &o.logs).to_yaml())
                    .map_err(|e| e.to_string());
                outcomes
                    .lock()
                    .expect("no worker panics")
                    .push((case.name.clone(), result));
            });
        }
    });
    let mut outcomes = outcomes.into_inner().expect("no worker panics");
    outcomes.sort_by(|a, b| a.0.cmp(&b.0));

    let mut failed: Vec<String> = Vec::new();
    for (name, result) in outcomes {
        match result {
            Err(e) => {
                eprintln!("backend sim ({isolation:?}) could not run {name}: {e}");
                failed.push(name);
            }
            Ok(yaml) => {
                let checked = catch_unwind(AssertUnwindSafe(|| {
                    insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
                        insta::assert_snapshot!(name.as_str(), yaml);
                    });
                }));
                if checked.is_err() {
                    eprintln!("backend sim ({isolation:?}): {name} differs from its snapshot (diff above)");
                    failed.push(name);
                }
            }
        }
    }
    assert!(
        failed.is_empty(),
        "backend sim ({isolation:?}): {} scenario(s) differ from their snapshots: {failed:?}",
        failed.len()
    );
}
