//! `conformance`: run the scenario catalog on one or more backends and
//! compare every run with the recorded outcome.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use conformance::backend::{self, Kind, Settings};
use conformance::matrix::{self, Cell};
use conformance::{catalog, expect, report};

#[derive(Parser)]
#[command(
    name = "conformance",
    version,
    about = "Run the scenario catalog on the simulator, podman and kind"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenarios on backends and print the scenario x backend matrix.
    Run(Box<RunArgs>),
    /// List the scenarios of the catalog.
    List {
        /// Catalog directory.
        #[arg(long, value_name = "DIR")]
        catalog: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// Backends, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "sim")]
    backend: Vec<Kind>,
    /// Only scenarios whose name matches this glob (comma-separated globs allowed).
    #[arg(long, value_name = "GLOB")]
    scenario: Option<String>,
    /// Also write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also write a Markdown report here.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Entrypoint image (also init and nop image) the Pods use, e.g. upstream Tekton's.
    #[arg(long, value_name = "IMAGE")]
    entrypoint_image: Option<String>,
    /// Shell image for steps and sidecars without an image.
    #[arg(long, value_name = "IMAGE")]
    shell_image: Option<String>,
    /// Host entrypoint binary for the sim backend (default: next to this binary, or $PODSIM_ENTRYPOINT).
    #[arg(long, value_name = "PATH")]
    entrypoint: Option<PathBuf>,
    /// Catalog directory.
    #[arg(long, value_name = "DIR")]
    catalog: Option<PathBuf>,
    /// Snapshot directory holding the expected outcomes.
    #[arg(long, value_name = "DIR")]
    snapshots: Option<PathBuf>,
    /// Cases run at once on podman.
    #[arg(long, default_value_t = 2)]
    parallel: usize,
    /// Namespace of the kind backend's Pods.
    #[arg(long, default_value = "default")]
    namespace: String,
    /// Kubeconfig of the kind/cluster backends (default: $KUBECONFIG; cluster: scripts/cluster's).
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// containers.conf for podman (default: the one shipped in conformance/podman).
    #[arg(long, value_name = "FILE")]
    containers_conf: Option<PathBuf>,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::List { catalog: dir } => {
            match catalog::load_dir(&dir.unwrap_or_else(catalog::default_dir)) {
                Ok(cases) => {
                    for case in cases {
                        println!("{}", case.name);
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e.to_string()),
            }
        }
        Command::Run(args) => run(*args),
    }
}

fn run(args: RunArgs) -> ExitCode {
    let dir = args.catalog.clone().unwrap_or_else(catalog::default_dir);
    let cases = match catalog::load_dir(&dir) {
        Ok(cases) => cases,
        Err(e) => return fail(&e.to_string()),
    };
    let cases = match &args.scenario {
        Some(glob) => match catalog::filter(cases, glob) {
            Ok(cases) => cases,
            Err(e) => return fail(&e.to_string()),
        },
        None => cases,
    };
    if cases.is_empty() {
        return fail("no scenario matches --scenario");
    }
    let mut settings = Settings::default();
    if let Some(image) = &args.entrypoint_image {
        settings.images.entrypoint_image = image.clone();
    }
    if let Some(image) = &args.shell_image {
        settings.images.shell_image = image.clone();
    }
    settings.entrypoint_binary = args.entrypoint.clone();
    settings.parallel = args.parallel;
    settings.namespace = args.namespace.clone();
    settings.kubeconfig = args.kubeconfig.clone();
    if let Some(conf) = &args.containers_conf {
        settings.containers_conf = conf.clone();
    }
    let snapshots = args.snapshots.clone().unwrap_or_else(expect::default_dir);

    let mut cells: Vec<Cell> = Vec::new();
    for kind in dedup(&args.backend) {
        let backend = match backend::create(kind, &settings) {
            Ok(backend) => backend,
            Err(e) => {
                eprintln!("conformance: {e}");
                cells.extend(cases.iter().map(|case| Cell {
                    case: case.name.clone(),
                    backend: kind.name(),
                    verdict: matrix::Verdict::Error(e.to_string()),
                    elapsed: std::time::Duration::ZERO,
                    outcome: None,
                }));
                continue;
            }
        };
        let progress = |cell: &Cell| {
            let verdict = if cell.passed() { "pass" } else { "FAIL" };
            eprintln!(
                "conformance: {} {} on {} ({:.1}s)",
                verdict,
                cell.case,
                cell.backend,
                cell.elapsed.as_secs_f64()
            );
        };
        let started = std::time::Instant::now();
        cells.extend(matrix::run_backend(
            backend.as_ref(),
            &cases,
            &snapshots,
            backend.workers(),
            &progress,
        ));
        eprintln!(
            "conformance: backend {} took {:.1}s wall time",
            kind.name(),
            started.elapsed().as_secs_f64()
        );
    }

    if let Some(file) = &args.junit {
        if let Err(e) = std::fs::write(file, report::junit(&cells)) {
            return fail(&format!("--junit {}: {e}", file.display()));
        }
    }
    if let Some(file) = &args.markdown {
        if let Err(e) = std::fs::write(file, report::markdown(&cells)) {
            return fail(&format!("--markdown {}: {e}", file.display()));
        }
    }
    print!("{}", report::table(&cells));
    if cells.iter().all(Cell::passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn dedup(kinds: &[Kind]) -> Vec<Kind> {
    let mut out: Vec<Kind> = Vec::new();
    for kind in kinds {
        if !out.contains(kind) {
            out.push(*kind);
        }
    }
    out
}

fn fail(message: &str) -> ExitCode {
    eprintln!("conformance: {message}");
    ExitCode::from(2)
}
