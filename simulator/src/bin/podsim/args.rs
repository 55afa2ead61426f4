//! The command line of `podsim`: its subcommands and their flags (clap).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use simulator::render::RenderOptions;
use simulator::tekton::cli::TektonArgs;

#[derive(Parser)]
#[command(
    name = "podsim",
    version,
    about = "Run a Tekton-style Pod's steps and sidecars as local processes"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Print the Pod Tekton's controller would build for a scenario.
    Render {
        /// Scenario file, Pod manifest, or Tekton files (YAML).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        images: Images,
        #[command(flatten)]
        tekton: TektonArgs,
    },
    /// Check files without running them.
    ///
    /// A scenario, a Pod manifest, a CustomRun, or Tekton files, checked as
    /// upstream's admission and controller check them before anything runs;
    /// what only a run needs (param values, workspace directories, image
    /// commands, Tasks a lone Pipeline names) is a note, not a failure.
    Validate {
        /// Scenario file, Pod manifest, or Tekton files (YAML).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        tekton: TektonArgs,
    },
    /// CustomRuns on a cluster: `podsim customrun controller --kubeconfig FILE` (docs/customrun.md).
    #[command(subcommand)]
    Customrun(simulator::customrun::controller::Command),
    /// Check ordered Pods and wrapped images statically (files, directories, Helm charts).
    Lint(simulator::lint::LintArgs),
    /// Run a scenario or a Pod manifest locally and report a TaskRun-shaped status.
    Run(RunArgs),
}

#[derive(clap::Args)]
pub(crate) struct Images {
    /// Image holding the entrypoint at /ko-app/entrypoint.
    #[arg(long, default_value = "localhost/stepwise/entrypoint:dev")]
    pub(crate) entrypoint_image: String,
    /// Image with a shell, for scripts and steps without an image.
    #[arg(long, default_value = "localhost/stepwise/shell:dev")]
    pub(crate) shell_image: String,
}

impl Images {
    pub(crate) fn options(&self) -> RenderOptions {
        RenderOptions {
            entrypoint_image: self.entrypoint_image.clone(),
            shell_image: self.shell_image.clone(),
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Yaml,
    Json,
}

// The flags of `podsim run` (the variant's doc comment is its help text).
#[derive(clap::Args)]
pub(crate) struct RunArgs {
    /// Scenario file, Pod manifest, or Tekton files (YAML).
    #[arg(required = true, value_name = "FILE")]
    pub(crate) files: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) tekton: TektonArgs,
    /// Cancel the run this long after it started (Go duration).
    #[arg(long, value_name = "DURATION")]
    pub(crate) cancel_after: Option<String>,
    /// How --cancel-after cancels a PipelineRun, as its spec.status would.
    #[arg(
        long,
        value_enum,
        default_value = "Cancelled",
        requires = "cancel_after"
    )]
    pub(crate) cancel_mode: simulator::tekton::pipeline::run::CancelMode,
    /// Print the status in this format on stdout.
    #[arg(short = 'o', long = "output", value_enum)]
    pub(crate) output: Option<Format>,
    /// Print every container's output after the run.
    #[arg(long)]
    pub(crate) logs: bool,
    /// PipelineRuns: also write the child TaskRuns' statuses to FILE, one
    /// JSON object keyed by TaskRun name (what a cluster holds beside the run).
    #[arg(long, value_name = "FILE")]
    pub(crate) child_statuses: Option<PathBuf>,
    /// Keep the Pod directory (its path is printed on stderr).
    #[arg(long)]
    pub(crate) keep: bool,
    /// No progress lines.
    #[arg(short, long)]
    pub(crate) quiet: bool,
    /// The entrypoint binary (default: $PODSIM_ENTRYPOINT, else next to podsim).
    #[arg(long, value_name = "PATH")]
    pub(crate) entrypoint: Option<PathBuf>,
    /// Time sidecars get between SIGTERM and SIGKILL once the steps are done (Go duration).
    #[arg(long, value_name = "DURATION", default_value = "1s")]
    pub(crate) sidecar_grace: String,
    /// Filesystem isolation: auto, namespaces (each container in its own
    /// mount namespace) or paths (container paths mapped into the Pod directory).
    #[arg(long, value_name = "MODE", default_value = "auto")]
    pub(crate) isolation: simulator::runtime::isolation::Isolation,
    /// End the run as stuck when every unfinished step has waited this
    /// long with no container ending (Go duration; default: never).
    #[arg(long, value_name = "DURATION")]
    pub(crate) hang_timeout: Option<String>,
    #[command(flatten)]
    pub(crate) images: Images,
    /// CustomRuns: run custom task API/KIND with the external runner CMD (repeatable).
    #[arg(long = "custom-task", value_name = "API/KIND=CMD")]
    pub(crate) custom_task: Vec<String>,
    /// CustomRuns: YAML file listing external runners (docs/customrun.md).
    #[arg(long = "custom-task-config", value_name = "FILE")]
    pub(crate) custom_task_config: Option<PathBuf>,
}
