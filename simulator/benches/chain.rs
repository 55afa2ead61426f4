//! Chains of no-op steps, timed end to end (Pod directory, init container,
//! every step through the real entrypoint, status, cleanup).
//!
//! Run: `cargo build --release -p entrypoint && cargo bench -p simulator --bench chain`.
//! Optional argument: iterations per size (default 5; the 1000-step chain runs at most 2).

use std::time::{Duration, Instant};

use simulator::controller::{Controller, RunOptions, Silent};
use simulator::plan;
use simulator::render::RenderOptions;
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
        simulator::podfs::default_base().display()
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
        let render_start = Instant::now();
        let plan = plan::from_scenario(&chain(steps), &RenderOptions::default());
        let render_time = render_start.elapsed();
        let mut times: Vec<Duration> = Vec::new();
        let mut failure = None;
        for _ in 0..runs {
            let mut controller = Controller::new(RunOptions::new(entrypoint.clone()));
            let start = Instant::now();
            match controller.run(&plan, &mut Silent) {
                Ok(report) if report.status.succeeded() => times.push(start.elapsed()),
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
}
