//! The cost of namespace mode: a 20-step chain of no-op steps run end to end
//! in path mode and in namespace mode, and the difference per container.
//!
//! Run: `cargo build --release -p entrypoint && cargo bench -p simulator --bench isolation`.
//! Optional argument: runs per mode (default 15).

use std::time::{Duration, Instant};

use simulator::plan;
use simulator::render::RenderOptions;
use simulator::runtime::controller::{Controller, RunOptions, Silent};
use simulator::runtime::isolation::{namespaces_available, Isolation};
use simulator::scenario::{Scenario, Step};

const STEPS: usize = 20;

fn chain() -> Scenario {
    Scenario {
        name: "isolation-chain".to_string(),
        description: None,
        steps: (0..STEPS)
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

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(15);
    let entrypoint = match simulator::locate::entrypoint(None) {
        Ok(path) => path,
        Err(e) => {
            eprintln!("{e}\n(for benchmarks: cargo build --release -p entrypoint)");
            std::process::exit(2);
        }
    };
    if !namespaces_available() {
        eprintln!("no mount namespaces for this user: nothing to compare");
        std::process::exit(2);
    }
    let plan = plan::from_scenario(&chain(), &RenderOptions::default());
    let containers = plan
        .pod
        .spec
        .as_ref()
        .map(|s| s.containers.len() + s.init_containers.as_ref().map_or(0, Vec::len))
        .unwrap_or(STEPS);
    let mut medians = Vec::new();
    println!("| mode | min | median | max |");
    println!("|---|---|---|---|");
    for (name, isolation) in [
        ("paths", Isolation::Paths),
        ("namespaces", Isolation::Namespaces),
    ] {
        let mut times = Vec::new();
        for _ in 0..runs {
            let mut options = RunOptions::new(entrypoint.clone());
            options.isolation = isolation;
            let start = Instant::now();
            match Controller::new(options).run(&plan, &mut Silent) {
                Ok(report) if report.status.succeeded() => times.push(start.elapsed()),
                Ok(report) => {
                    eprintln!("{name}: the chain failed: {:?}", report.status.conditions);
                    std::process::exit(1);
                }
                Err(e) => {
                    eprintln!("{name}: {e}");
                    std::process::exit(1);
                }
            }
        }
        let (min, max) = (times.iter().min().copied(), times.iter().max().copied());
        let med = median(times);
        println!(
            "| {name} | {:.1} ms | {:.1} ms | {:.1} ms |",
            min.unwrap_or_default().as_secs_f64() * 1e3,
            med.as_secs_f64() * 1e3,
            max.unwrap_or_default().as_secs_f64() * 1e3
        );
        medians.push(med);
    }
    let extra = medians[1].saturating_sub(medians[0]);
    println!(
        "| namespace overhead | {:.2} ms per container ({containers} containers) | | |",
        extra.as_secs_f64() * 1e3 / containers as f64
    );
}
