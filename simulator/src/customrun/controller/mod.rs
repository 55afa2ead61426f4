//! `podsim customrun controller`: a custom-task controller on a real
//! cluster. It watches `tekton.dev/v1beta1` CustomRuns (kube-rs watcher,
//! no polling) and runs every one whose type it serves with the same
//! runners `podsim run` uses (the built-in Wait task and any registered
//! external runner), writing each status change through the `status`
//! subresource: `Unknown` while running, `retriesStatus`, the timeout per
//! try, `spec.status: RunCancelled` honoured, validation failures reported.
//!
//! The decisions are pure functions in [`reconcile`]; [`cluster`] does the I/O.

#[cfg(feature = "cluster")]
pub mod cluster;
pub mod reconcile;

use std::path::PathBuf;
use std::process::ExitCode;

use super::Registry;

/// `podsim customrun ...`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Serve CustomRuns on a cluster: the built-in Wait task and every registered runner.
    Controller(ControllerArgs),
}

/// Flags of `podsim customrun controller`.
#[derive(Debug, clap::Args)]
pub struct ControllerArgs {
    /// Kubeconfig of the cluster.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: PathBuf,
    /// Watch this namespace only (default: all namespaces).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Serve custom task API/KIND with the external runner CMD (repeatable).
    #[arg(long = "custom-task", value_name = "API/KIND=CMD")]
    pub custom_task: Vec<String>,
    /// YAML file listing external runners (docs/customrun.md).
    #[arg(long = "custom-task-config", value_name = "FILE")]
    pub custom_task_config: Option<PathBuf>,
    /// Do not serve the built-in Wait task.
    #[arg(long)]
    pub no_builtins: bool,
}

/// The registry the flags describe; the error is one line naming the flag.
pub fn registry(args: &ControllerArgs) -> Result<Registry, String> {
    let base = if args.no_builtins {
        Registry::empty()
    } else {
        Registry::with_builtins()
    };
    let registry =
        Registry::from_flags(base, args.custom_task_config.as_deref(), &args.custom_task)?;
    if registry.types().is_empty() {
        return Err("nothing to serve: --no-builtins and no --custom-task".to_string());
    }
    Ok(registry)
}

/// Runs the subcommand: exit 2 on bad flags, an unreachable cluster or a
/// cluster without the CustomRun CRD; otherwise runs until SIGINT/SIGTERM
/// and exits 0.
pub fn main(command: &Command) -> ExitCode {
    match command {
        Command::Controller(args) => controller_main(args),
    }
}

#[cfg(feature = "cluster")]
fn controller_main(args: &ControllerArgs) -> ExitCode {
    use nix::sys::signal::Signal;
    let fail = |message: String| {
        eprintln!("podsim: {message}");
        ExitCode::from(2)
    };
    let registry = match registry(args) {
        Ok(registry) => registry,
        Err(e) => return fail(e),
    };
    let types = registry.types().join(", ");
    // Taken before `connect` starts the async runtime's threads, which would
    // otherwise keep the default action; a signal before the controller exists
    // has nothing to stop.
    let stopper = std::sync::Arc::new(std::sync::OnceLock::<cluster::Stopper>::new());
    let slot = stopper.clone();
    let taken = crate::signals::take(&[Signal::SIGINT, Signal::SIGTERM], move |signal| {
        eprintln!("podsim: customrun controller: {signal}: stopping");
        if let Some(stopper) = slot.get() {
            stopper.stop(std::time::Duration::from_secs(5));
        }
        std::process::exit(0);
    });
    if let Err(e) = taken {
        return fail(e);
    }
    let controller =
        match cluster::Controller::connect(&args.kubeconfig, args.namespace.as_deref(), registry) {
            Ok(controller) => controller,
            Err(e) => return fail(e),
        };
    let _ = stopper.set(controller.stopper());
    let scope = args
        .namespace
        .as_deref()
        .map_or("all namespaces".to_string(), |ns| format!("namespace {ns}"));
    controller.watch(|| {
        eprintln!("podsim: customrun controller: watching customruns in {scope}; serving {types}");
    });
    ExitCode::SUCCESS
}

#[cfg(not(feature = "cluster"))]
fn controller_main(args: &ControllerArgs) -> ExitCode {
    eprintln!(
        "podsim: --kubeconfig {}: this build has no cluster support (build with the `cluster` feature)",
        args.kubeconfig.display()
    );
    ExitCode::from(2)
}
