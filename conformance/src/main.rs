//! `conformance`: run the scenario catalog on one or more backends and
//! compare every run with the recorded outcome.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use conformance::backend::{self, Kind, Settings};
use conformance::deviations::{self, Registry};
use conformance::entrypoints::{self, Entrypoint};
use conformance::matrix::{self, Cell, Column};
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
    /// Run the differential command-line suite: upstream's entrypoint beside ours.
    Compat(CompatArgs),
    /// List the scenarios of the catalog.
    List {
        /// Catalog directory.
        #[arg(long, value_name = "DIR")]
        catalog: Option<PathBuf>,
    },
    /// Check a custom-task runner (or a cluster's controller) against every MUST of the CustomRun contract.
    Customrun(Box<conformance::customrun::cli::Args>),
    /// Compare podsim's statuses with upstream Tekton's controller on a cluster, case by case.
    Tekton(Box<conformance::tekton::cli::Args>),
}

#[derive(clap::Args)]
struct CompatArgs {
    /// Upstream Tekton version, e.g. v1.0.0 (binary: target/upstream/VERSION/entrypoint).
    #[arg(long, value_name = "VERSION", default_value = "v1.0.0")]
    upstream: String,
    /// Upstream's binary, instead of target/upstream/VERSION/entrypoint.
    #[arg(long, value_name = "PATH")]
    upstream_binary: Option<PathBuf>,
    /// Our binary (default: `entrypoint` next to this binary).
    #[arg(long, value_name = "PATH")]
    ours: Option<PathBuf>,
    /// Only cases whose name contains this.
    #[arg(long, value_name = "TEXT")]
    case: Option<String>,
    /// The deviation registry (default: compat/deviations.yaml).
    #[arg(long, value_name = "FILE")]
    deviations: Option<PathBuf>,
    /// Also print the differences of documented cases.
    #[arg(long)]
    verbose: bool,
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
    /// Entrypoints to run every backend with, comma-separated: `ours`,
    /// `upstream-VERSION` (built by scripts/upstream-entrypoint VERSION).
    /// One matrix column per backend x entrypoint.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "ours"
    )]
    entrypoint: Vec<String>,
    /// Image (also init and nop image) of `ours` in the Pods, e.g. a released build.
    #[arg(long, value_name = "IMAGE")]
    entrypoint_image: Option<String>,
    /// Shell image for steps and sidecars without an image.
    #[arg(long, value_name = "IMAGE")]
    shell_image: Option<String>,
    /// Host binary of `ours` for the sim backend (default: next to this binary, or $PODSIM_ENTRYPOINT).
    #[arg(long, value_name = "PATH")]
    ours_binary: Option<PathBuf>,
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
        Command::Customrun(args) => conformance::customrun::cli::main(&args),
        Command::Compat(args) => compat(args),
        Command::Tekton(args) => conformance::tekton::cli::main(&args),
    }
}

fn compat(args: CompatArgs) -> ExitCode {
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(PathBuf::from))
        .unwrap_or_default();
    let config = conformance::compat::Config {
        upstream: args.upstream_binary.unwrap_or_else(|| {
            entrypoints::upstream_dir()
                .join(&args.upstream)
                .join("entrypoint")
        }),
        ours: args.ours.unwrap_or_else(|| exe_dir.join("entrypoint")),
        version: args.upstream.clone(),
        registry: args
            .deviations
            .unwrap_or_else(conformance::compat::registry::default_path),
        filter: args.case,
        verbose: args.verbose,
    };
    match conformance::compat::run(&config) {
        Ok(summary) => {
            println!(
                "{} cases, {} documented deviations, {} undocumented differences",
                summary.cases, summary.documented, summary.undocumented
            );
            if summary.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => fail(&e),
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
    let entrypoints = match entrypoints::parse_list(
        &args.entrypoint,
        args.ours_binary.clone(),
        args.entrypoint_image.clone(),
        &entrypoints::upstream_dir(),
    ) {
        Ok(list) if list.is_empty() => return fail("--entrypoint: name at least one entrypoint"),
        Ok(list) => list,
        Err(e) => return fail(&e.to_string()),
    };
    let mut settings = Settings::default();
    if let Some(image) = &args.shell_image {
        settings.images.shell_image = image.clone();
    }
    settings.parallel = args.parallel;
    settings.namespace = args.namespace.clone();
    settings.kubeconfig = args.kubeconfig.clone();
    if let Some(conf) = &args.containers_conf {
        settings.containers_conf = conf.clone();
    }
    let snapshots = args.snapshots.clone().unwrap_or_else(expect::default_dir);
    let registry = match Registry::load(&deviations::default_path()) {
        Ok(registry) => registry,
        Err(e) => return fail(&e.to_string()),
    };

    let mut cells: Vec<Cell> = Vec::new();
    let columns = dedup(&args.backend)
        .into_iter()
        .flat_map(|kind| entrypoints.iter().map(move |e| (kind, e)));
    for (kind, entrypoint) in columns {
        let column = format!("{}/{}", kind.name(), entrypoint.name);
        let created = settings_for(&settings, kind, entrypoint)
            .and_then(|settings| backend::create(kind, &settings));
        let backend = match created {
            Ok(backend) => backend,
            Err(e) => {
                eprintln!("conformance: {column}: {e}");
                cells.extend(cases.iter().map(|case| Cell {
                    case: case.name.clone(),
                    backend: column.clone(),
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
        let judged = Column {
            name: &column,
            upstream: entrypoint.upstream.as_deref(),
            registry: &registry,
        };
        cells.extend(matrix::run_backend(
            backend.as_ref(),
            &judged,
            &cases,
            &snapshots,
            backend.workers(),
            &progress,
        ));
        eprintln!(
            "conformance: {column} took {:.1}s wall time",
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

/// The settings of one matrix column: `entrypoint`'s image in the Pods and,
/// on the sim backend, its host binary (which must exist).
fn settings_for(
    base: &Settings,
    kind: Kind,
    entrypoint: &Entrypoint,
) -> Result<Settings, backend::BackendError> {
    let mut settings = base.clone();
    settings.images.entrypoint_image = entrypoint.image.clone();
    settings.upstream = entrypoint.upstream.is_some();
    if kind == Kind::Sim {
        settings.entrypoint_binary = entrypoint
            .existing_binary()
            .map_err(|why| backend::BackendError::Unavailable {
                backend: kind.name(),
                why,
            })?
            .map(PathBuf::from);
    }
    Ok(settings)
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
