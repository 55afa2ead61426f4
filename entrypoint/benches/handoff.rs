//! Hand-off benchmark: how long after the previous step's post file appears
//! does the next step's command start, and what a chain of no-op steps costs.
//!
//! Run with `cargo bench -p entrypoint --bench handoff` (or `scripts/bench`).
//! Prints a Markdown table for docs/benchmarks.md. Not a test: nothing asserts.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use entrypoint::events::Events;
use entrypoint::post::write_post;
use entrypoint::wait::wait_for;

const ENTRYPOINT: &str = env!("CARGO_BIN_EXE_entrypoint");

fn wrapped(dir: &Path, wait: Option<&Path>, post: &Path, command: &[&str]) -> Child {
    let mut cmd = Command::new(ENTRYPOINT);
    cmd.env("ENTRYPOINT_TEKTON_ROOT", dir.join("tekton"));
    if let Some(wait) = wait {
        cmd.arg("-wait_file").arg(wait);
    }
    cmd.arg("-post_file").arg(post);
    cmd.arg("-termination_path")
        .arg(post.with_extension("term"));
    cmd.arg("-entrypoint")
        .arg(command[0])
        .arg("--")
        .args(&command[1..]);
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    cmd.spawn().expect("spawn entrypoint")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[idx]
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

/// N wrapped `true` steps started at once, chained by their post files.
fn chain(n: usize) -> Duration {
    let dir = tempfile::tempdir().expect("tempdir");
    let post = |i: usize| dir.path().join(format!("run/{i}/out"));
    let t0 = Instant::now();
    let mut children: Vec<Child> = (0..n)
        .map(|i| {
            let wait = (i > 0).then(|| post(i - 1));
            wrapped(dir.path(), wait.as_deref(), &post(i), &["true"])
        })
        .collect();
    for c in &mut children {
        let _ = c.wait();
    }
    assert!(post(n - 1).exists(), "chain did not complete");
    t0.elapsed()
}

fn main() {
    let samples = handoff(200);
    println!("| measurement | value |");
    println!("|---|---|");
    println!(
        "| hand-off median (post file -> next command's first action) | {} |",
        ms(percentile(&samples, 0.5))
    );
    println!("| hand-off p90 | {} |", ms(percentile(&samples, 0.9)));
    println!(
        "| hand-off max of {} | {} |",
        samples.len(),
        ms(*samples.last().unwrap())
    );
    for n in [20, 100] {
        let total = chain(n);
        println!(
            "| chain of {n} no-op steps, wall time | {} ({} per step) |",
            ms(total),
            ms(total / n as u32)
        );
    }
}
