//! What the benchmarks share: starting a wrapper on a step's command line,
//! percentiles, and a chain of wrapped no-op steps.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `binary -wait_file WAIT -post_file POST -termination_path POST.term
/// -entrypoint CMD -- ARGS`, run in `dir`, output discarded.
pub fn wrapper(
    binary: &Path,
    dir: &Path,
    wait: Option<&Path>,
    post: &Path,
    command: &[&str],
) -> Command {
    let mut cmd = Command::new(binary);
    cmd.current_dir(dir);
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
    cmd
}

/// The `p` quantile (0..=1) of sorted samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[idx]
}

/// `n` wrapped `true` steps started at once, chained by their post files
/// (`spawn(dir, wait, post, command)` starts one); the wall time until all
/// have ended. Panics when the last post file is missing.
pub fn chain(n: usize, spawn: impl Fn(&Path, Option<&Path>, &Path, &[&str]) -> Child) -> Duration {
    let dir = tempfile::tempdir().expect("tempdir");
    let post = |i: usize| dir.path().join(format!("{i}.out"));
    let t0 = Instant::now();
    let mut children: Vec<Child> = (0..n)
        .map(|i| {
            let wait = (i > 0).then(|| post(i - 1));
            spawn(dir.path(), wait.as_deref(), &post(i), &["true"])
        })
        .collect();
    for c in &mut children {
        let _ = c.wait();
    }
    let elapsed = t0.elapsed();
    assert!(post(n - 1).exists(), "the chain of {n} did not complete");
    elapsed
}
