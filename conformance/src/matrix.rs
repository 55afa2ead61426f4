//! Running cases x backends and judging each run against its snapshot.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::backend::Backend;
use crate::catalog::Case;
use crate::expect;
use crate::outcome::{normalise, Outcome};

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

/// Runs `case` on `backend` and compares with the snapshot in `snapshots`;
/// the cell goes in matrix column `column`.
pub fn run_one(backend: &dyn Backend, column: &str, case: &Case, snapshots: &Path) -> Cell {
    let start = Instant::now();
    let observed = backend.run(case);
    let elapsed = start.elapsed();
    let (verdict, outcome) = match observed {
        Err(e) => (Verdict::Error(e.to_string()), None),
        Ok(observation) => {
            let outcome = normalise(&observation.status, &observation.logs);
            let actual = outcome.to_yaml();
            let verdict = match expect::expected(snapshots, &case.name) {
                Err(e) => Verdict::Error(format!("cannot read the snapshot of {}: {e}", case.name)),
                Ok(None) => Verdict::NoSnapshot(actual),
                Ok(Some(expected)) => match expect::diff(&expected, &actual) {
                    None => Verdict::Pass,
                    Some(diff) => Verdict::Mismatch(diff),
                },
            };
            (verdict, Some(outcome))
        }
    };
    Cell {
        case: case.name.clone(),
        backend: column.to_string(),
        verdict,
        elapsed,
        outcome,
    }
}

/// Runs every case on `backend` with `workers` cases at a time, calling
/// `done` as each finishes; returns the cells (column `column`) in catalog order.
pub fn run_backend(
    backend: &dyn Backend,
    column: &str,
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
