//! Running cases x backends and judging each run against its snapshot.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::backend::Backend;
use crate::catalog::Case;
use crate::deviations::{self, Deviation, Registry};
use crate::expect;
use crate::outcome::{normalise, Outcome};

/// One matrix column: a backend with one entrypoint.
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    /// `backend/entrypoint`, e.g. `podman/upstream-v1.0.0`.
    pub name: &'a str,
    /// Upstream's version when the entrypoint is upstream's.
    pub upstream: Option<&'a str>,
    /// The registered deviations the upstream column may show.
    pub registry: &'a Registry,
}

/// The verdict on one case on one backend.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The outcome is exactly the snapshot.
    Pass,
    /// The outcome differs; the unified diff from the snapshot.
    Mismatch(String),
    /// No snapshot exists yet; the outcome as YAML.
    NoSnapshot(String),
    /// The backend could not run the case.
    Error(String),
    /// A registered deviation no longer appears: upstream's outcome is the
    /// snapshot again. The deviation's id.
    Stale(String),
}

/// One cell of the matrix.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Case name.
    pub case: String,
    /// Matrix column: `backend/entrypoint` (`sim/ours`, `podman/upstream-v1.0.0`).
    pub backend: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// The normalised outcome, when the run happened.
    pub outcome: Option<Outcome>,
}

impl Cell {
    /// Whether the cell passed.
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Pass
    }
}

/// Runs `case` on `backend` and judges it against the snapshot in
/// `snapshots` (see [`judge`]); the cell goes in `column`.
pub fn run_one(backend: &dyn Backend, column: &Column<'_>, case: &Case, snapshots: &Path) -> Cell {
    let start = Instant::now();
    let observed = backend.run(case);
    let elapsed = start.elapsed();
    let (verdict, outcome) = match observed {
        Err(e) => (Verdict::Error(e.to_string()), None),
        Ok(observation) => {
            let outcome = normalise(&observation.status, &observation.logs);
            let verdict = judge(column, &case.name, &outcome.to_yaml(), snapshots);
            (verdict, Some(outcome))
        }
    };
    Cell {
        case: case.name.clone(),
        backend: column.name.to_string(),
        verdict,
        elapsed,
        outcome,
    }
}

/// The verdict on `actual`, the outcome of case `name`: it must be the
/// case's snapshot, except in an upstream column where a deviation is
/// registered for the case: there it must be upstream's recorded outcome
/// (`snapshots/deviations/<id>/<case>.snap`), and is stale when it is the
/// ordinary snapshot again.
pub fn judge(column: &Column<'_>, name: &str, actual: &str, snapshots: &Path) -> Verdict {
    let expected = match expect::expected(snapshots, name) {
        Err(e) => return Verdict::Error(format!("cannot read the snapshot of {name}: {e}")),
        Ok(None) => return Verdict::NoSnapshot(actual.to_string()),
        Ok(Some(expected)) => expected,
    };
    let deviation = column
        .upstream
        .and_then(|version| column.registry.for_scenario(version, name));
    match deviation {
        None => match expect::diff(&expected, actual) {
            None => Verdict::Pass,
            Some(diff) => Verdict::Mismatch(diff),
        },
        Some(deviation) => judge_deviation(deviation, name, &expected, actual, snapshots),
    }
}

fn judge_deviation(
    deviation: &Deviation,
    name: &str,
    ours: &str,
    actual: &str,
    snapshots: &Path,
) -> Verdict {
    if expect::diff(ours, actual).is_none() {
        return Verdict::Stale(deviation.id.clone());
    }
    let file = deviations::snapshot_path(snapshots, &deviation.id, name);
    match std::fs::read_to_string(&file) {
        Err(e) => Verdict::Error(format!(
            "deviation {} is registered for {name}, but {} cannot be read: {e}",
            deviation.id,
            file.display()
        )),
        Ok(text) => match expect::diff(&expect::snapshot_body(&text), actual) {
            None => Verdict::Pass,
            Some(diff) => Verdict::Mismatch(format!(
                "(held to deviation {}'s recorded outcome {})\n{diff}",
                deviation.id,
                file.display()
            )),
        },
    }
}

/// Runs every case on `backend` with `workers` cases at a time, calling
/// `done` as each finishes; returns the cells (column `column`) in catalog order.
pub fn run_backend(
    backend: &dyn Backend,
    column: &Column<'_>,
    cases: &[Case],
    snapshots: &Path,
    workers: usize,
    done: &(dyn Fn(&Cell) + Sync),
) -> Vec<Cell> {
    let next = AtomicUsize::new(0);
    let cells: Mutex<Vec<Option<Cell>>> = Mutex::new(vec![None; cases.len()]);
    std::thread::scope(|scope| {
        for _ in 0..workers.clamp(1, cases.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let cell = run_one(backend, column, case, snapshots);
                done(&cell);
                if let Ok(mut cells) = cells.lock() {
                    cells[i] = Some(cell);
                }
            });
        }
    });
    cells
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGISTRY: &str = "deviations:\n- id: d\n  area: entrypoint\n  what: w\n  why: y\n  docs: '#d'\n  versions: [v0.62.0]\n  scenarios: [s]\n";

    fn setup() -> (tempfile::TempDir, Registry) {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("s.snap"), "---\nsource: x\n---\nours: 1\n").expect("snap");
        let dev = dir.path().join("deviations").join("d");
        std::fs::create_dir_all(&dev).expect("dir");
        std::fs::write(dev.join("s.snap"), "upstream: 1\n").expect("snap");
        let registry = Registry::parse(Path::new("r"), REGISTRY).expect("registry");
        (dir, registry)
    }

    fn column<'a>(registry: &'a Registry, upstream: Option<&'a str>) -> Column<'a> {
        Column {
            name: "podman/x",
            upstream,
            registry,
        }
    }

    #[test]
    fn a_registered_deviation_holds_upstream_to_its_recorded_outcome() {
        let (dir, registry) = setup();
        let old = column(&registry, Some("v0.62.0"));
        assert_eq!(judge(&old, "s", "upstream: 1", dir.path()), Verdict::Pass);
        assert!(matches!(
            judge(&old, "s", "something: else", dir.path()),
            Verdict::Mismatch(_)
        ));
        assert_eq!(
            judge(&old, "s", "ours: 1", dir.path()),
            Verdict::Stale("d".to_string())
        );
    }

    #[test]
    fn other_versions_and_ours_are_held_to_the_snapshot() {
        let (dir, registry) = setup();
        for col in [column(&registry, Some("v1.0.0")), column(&registry, None)] {
            assert_eq!(judge(&col, "s", "ours: 1", dir.path()), Verdict::Pass);
            assert!(matches!(
                judge(&col, "s", "upstream: 1", dir.path()),
                Verdict::Mismatch(_)
            ));
        }
    }
}
