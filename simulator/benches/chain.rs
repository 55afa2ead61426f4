//! Chains of no-op steps, timed end to end (Pod directory, init container,
//! every step through the real entrypoint, status, cleanup).
//!
//! Run: `cargo build --release -p entrypoint && cargo bench -p simulator --bench chain`.
//! Optional argument: iterations per size (default 5; the 1000-step chain runs at most 2).
//! Each run is cancelled after `PODSIM_BENCH_LIMIT` seconds (default 120), so a
//! chain that cannot finish is reported as such and leaves nothing running.

use std::time::{Duration, Instant};

use simulator::plan;
use simulator::render::RenderOptions;
use simulator::runtime::controller::{Controller, RunOptions, Silent};
use simulator::scenario::{Scenario, Step};

fn chain(steps: usize) -> Scenario {
    Scenario {
        name: format!("chain-{steps}"),
        description: None,
        steps: (0..steps)
            .map(|i| Step {
                name: Some(format!("s{i}")),
                command: vec!["true".to_string()],
                ..Step::default()
            })
            .collect(),
        sidecars: Vec::new(),
        results: Vec::new(),
        timeout: None,
        retries: 0,
        volumes: Vec::new(),
    }
}

fn main() {
    let iterations: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5);
    let entrypoint = match simulator::locate::entrypoint(None) {
        Ok(path) => path,
        Err(e) => {
            eprintln!("{e}\n(for benchmarks: cargo build --release -p entrypoint)");
            std::process::exit(2);
        }
    };
    println!("entrypoint: {}", entrypoint.display());
    println!(
        "pod directories in: {}",
        simulator::runtime::podfs::default_base().display()
    );
    println!(
        "{:>6}  {:>10}  {:>10}  {:>10}  {:>12}",
        "steps", "min", "median", "max", "per step"
    );
    for steps in [1usize, 100, 1000] {
        let runs = if steps >= 1000 {
            iterations.min(2)
        } else {
            iterations
        };
        let limit = Duration::from_secs(
            std::env::var("PODSIM_BENCH_LIMIT")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(120),
        );
        let render_start = Instant::now();
        let plan = plan::from_scenario(&chain(steps), &RenderOptions::default());
        let render_time = render_start.elapsed();
        let mut times: Vec<Duration> = Vec::new();
        let mut failure = None;
        for _ in 0..runs {
            let mut options = RunOptions::new(entrypoint.clone());
            options.cancel_after = Some(limit);
            let mut controller = Controller::new(options);
            let start = Instant::now();
            match controller.run(&plan, &mut Silent) {
                Ok(report) if report.status.succeeded() => times.push(start.elapsed()),
                Ok(report) if report.status.reason() == "TaskRunCancelled" => {
                    failure = Some(format!("did not finish within {limit:?}"));
                    break;
                }
                Ok(report) => {
                    failure = Some(report.status.conditions[0].message.clone());
                    break;
                }
                Err(e) => {
                    failure = Some(e.to_string());
                    break;
                }
            }
        }
        if let Some(why) = failure {
            println!("{steps:>6}  FAILED: {why}");
            continue;
        }
        times.sort();
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
        let median = times[times.len() / 2];
        println!(
            "{steps:>6}  {:>10}  {:>10}  {:>10}  {:>12}   (render {})",
            ms(times[0]),
            ms(median),
            ms(times[times.len() - 1]),
            ms(median / steps as u32),
            ms(render_time)
        );
    }
    report_sweep();
}

/// Cost of the end-of-attempt `/proc` sweep, which grows with the number of
/// processes on the machine rather than with the Pod.
fn report_sweep() {
    let sessions = std::collections::HashSet::from([i32::MAX]);
    let mut times: Vec<Duration> = (0..21)
        .map(|_| {
            let start = Instant::now();
            simulator::runtime::process::kill_sessions(&sessions, 5);
            start.elapsed()
        })
        .collect();
    times.sort();
    let processes = std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter(|e| {
                    e.file_name()
                        .to_str()
                        .is_some_and(|n| n.parse::<u32>().is_ok())
                })
                .count()
        })
        .unwrap_or(0);
    println!(
        "/proc sweep: median {:.2} ms with {processes} processes on the machine",
        times[times.len() / 2].as_secs_f64() * 1e3
    );
}
