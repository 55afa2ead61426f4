//! Side-by-side benchmark of two wrapper binaries speaking the same command
//! line (ours and, say, upstream Tekton's), measured in one run on the same
//! machine.
//!
//! `scripts/bench --against upstream-VERSION` runs it with
//! `BENCH_OURS=<binary> BENCH_UPSTREAM=<binary> BENCH_UPSTREAM_NAME=<name>`
//! and adds the binary sizes and start-up instruction counts (valgrind).
//! Prints Markdown rows `| measurement | ours | upstream | upstream / ours |`.
//! Not a test: nothing asserts. Every wrapper runs in a fresh temporary
//! directory as its working directory and only touches paths given on its
//! command line (upstream creates `results/` and `artifacts/` in the working
//! directory when `-step_metadata_dir` is empty).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

struct Wrapper {
    binary: PathBuf,
}

impl Wrapper {
    fn spawn(&self, dir: &Path, wait: Option<&Path>, post: &Path, command: &[&str]) -> Child {
        common::wrapper(&self.binary, dir, wait, post, command)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.binary.display()))
    }
}

/// Waits (polling every 100 µs: this is the measuring side) until `path` exists.
fn until_exists(path: &Path, limit: Duration) -> bool {
    let start = Instant::now();
    while !path.exists() {
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    true
}

/// The previous step's post file written -> the next command's first action.
fn handoff(w: &Wrapper, samples: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(samples);
    for _ in 0..samples {
        let dir = tempfile::tempdir().expect("tempdir");
        let prev = dir.path().join("0.out");
        let post = dir.path().join("1.out");
        let started = dir.path().join("started");
        let started_arg = started.to_string_lossy().into_owned();
        let mut child = w.spawn(dir.path(), Some(&prev), &post, &["touch", &started_arg]);
        // Let the wrapper reach its wait (a benchmark may sleep; tests may not).
        std::thread::sleep(Duration::from_millis(50));
        let t0 = Instant::now();
        fs::write(&prev, b"").expect("post file");
        if until_exists(&started, Duration::from_secs(10)) {
            out.push(t0.elapsed());
        }
        let _ = child.wait();
    }
    out.sort();
    out
}

/// The wrapper's resident set (KiB) while its child (`sleep 1`) runs.
fn rss_kib(w: &Wrapper) -> u64 {
    let dir = tempfile::tempdir().expect("tempdir");
    let post = dir.path().join("0.out");
    let mut child = w.spawn(dir.path(), None, &post, &["sleep", "1"]);
    std::thread::sleep(Duration::from_millis(500));
    let status = fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let _ = child.wait();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn ratio(ours: f64, theirs: f64) -> String {
    if ours > 0.0 {
        format!("{:.1}x", theirs / ours)
    } else {
        "-".to_string()
    }
}

fn row(what: &str, ours: Duration, theirs: Duration) {
    println!(
        "| {what} | {} | {} | {} |",
        ms(ours),
        ms(theirs),
        ratio(ours.as_secs_f64(), theirs.as_secs_f64())
    );
}

fn binary(var: &str) -> PathBuf {
    let path = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("{var} is not set: run this through scripts/bench --against"));
    assert!(path.is_file(), "{var}={} does not exist", path.display());
    path
}

fn main() {
    if std::env::var_os("BENCH_UPSTREAM").is_none() {
        eprintln!(
            "against: BENCH_UPSTREAM is not set; run scripts/bench --against upstream-VERSION"
        );
        return;
    }
    let ours = Wrapper {
        binary: binary("BENCH_OURS"),
    };
    let upstream = Wrapper {
        binary: binary("BENCH_UPSTREAM"),
    };
    let name = std::env::var("BENCH_UPSTREAM_NAME").unwrap_or_else(|_| "upstream".to_string());
    // Upstream polls once a second: fewer samples keep the run short.
    let (a, b) = (handoff(&ours, 200), handoff(&upstream, 20));
    println!("| measurement | ours | {name} | {name} / ours |");
    println!("|---|---|---|---|");
    row(
        &format!("hand-off p50 ({} / {} samples)", a.len(), b.len()),
        common::percentile(&a, 0.5),
        common::percentile(&b, 0.5),
    );
    row(
        "hand-off p90",
        common::percentile(&a, 0.9),
        common::percentile(&b, 0.9),
    );
    for n in [20, 100] {
        row(
            &format!("chain of {n} no-op steps started at once"),
            common::chain(n, |d, w, p, c| ours.spawn(d, w, p, c)),
            common::chain(n, |d, w, p, c| upstream.spawn(d, w, p, c)),
        );
    }
    let (ra, rb) = (rss_kib(&ours), rss_kib(&upstream));
    println!(
        "| wrapper RSS while its child runs | {:.1} MiB | {:.1} MiB | {} |",
        ra as f64 / 1024.0,
        rb as f64 / 1024.0,
        ratio(ra as f64, rb as f64)
    );
}
