//! Hand-off benchmark: how long after the previous step's post file appears
//! does the next step's command start, and what a chain of no-op steps costs.
//!
//! Run with `cargo bench -p entrypoint --bench handoff` (or `scripts/bench`).
//! Prints a Markdown table for docs/benchmarks.md. Not a test: nothing asserts.

use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

mod common;

use entrypoint::events::Events;
use entrypoint::post::write_post;
use entrypoint::wait::wait_for;

const ENTRYPOINT: &str = env!("CARGO_BIN_EXE_entrypoint");

fn wrapped(dir: &Path, wait: Option<&Path>, post: &Path, command: &[&str]) -> Child {
    common::wrapper(Path::new(ENTRYPOINT), dir, wait, post, command)
        .env("ENTRYPOINT_TEKTON_ROOT", dir.join("tekton"))
        .spawn()
        .expect("spawn entrypoint")
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Post file of step i-1 written -> first action of step i's command observed.
fn handoff(samples: usize) -> Vec<Duration> {
    let mut events = Events::new().expect("events");
    let mut out = Vec::with_capacity(samples);
    for _ in 0..samples {
        let dir = tempfile::tempdir().expect("tempdir");
        let prev = dir.path().join("run/0/out");
        let post = dir.path().join("run/1/out");
        let started = dir.path().join("started");
        let mut child = wrapped(
            dir.path(),
            Some(&prev),
            &post,
            &["touch", started.to_str().unwrap()],
        );
        // Let the wrapper reach its wait (a benchmark may sleep; tests may not).
        std::thread::sleep(Duration::from_millis(30));
        let t0 = Instant::now();
        write_post(&prev, false).expect("post");
        wait_for(&mut events, &started, false).expect("wait");
        out.push(t0.elapsed());
        let _ = child.wait();
    }
    out.sort();
    out
}

fn main() {
    let samples = handoff(200);
    println!("| measurement | value |");
    println!("|---|---|");
    println!(
        "| hand-off median (post file -> next command's first action) | {} |",
        ms(common::percentile(&samples, 0.5))
    );
    println!(
        "| hand-off p90 | {} |",
        ms(common::percentile(&samples, 0.9))
    );
    println!(
        "| hand-off max of {} | {} |",
        samples.len(),
        ms(*samples.last().unwrap())
    );
    for n in [20, 100] {
        let total = common::chain(n, wrapped);
        println!(
            "| chain of {n} no-op steps, wall time | {} ({} per step) |",
            ms(total),
            ms(total / n as u32)
        );
    }
}
