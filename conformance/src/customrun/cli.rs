//! `conformance customrun`: the flags and the report.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use simulator::customrun::external::External;
use simulator::customrun::registry::Feature;

use super::checks::{self, Deadlines, Verdict};
use super::profile::Profile;
use super::target::{LocalTarget, Target};

/// Flags of `conformance customrun`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The external runner under check (program and arguments, split on whitespace).
    #[arg(long, value_name = "CMD", conflicts_with_all = ["builtin", "kubeconfig"])]
    pub runner: Option<String>,
    /// Check a built-in runner instead (`wait`); with --kubeconfig, drive the
    /// cluster's controller with that task's profile.
    #[arg(long, value_name = "NAME")]
    pub builtin: Option<String>,
    /// Check the custom-task controller on the cluster of this kubeconfig.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Namespace for the CustomRuns on the cluster.
    #[arg(long, default_value = "default")]
    pub namespace: String,
    /// How to drive the task (YAML; default: examples/customrun-approval.sh's vocabulary).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Features the task does not support (timeout, retries; comma-separated; overrides the profile).
    #[arg(long, value_name = "FEATURES", value_delimiter = ',')]
    pub unsupported: Option<Vec<String>>,
    /// Time a local runner gets between cancellation and SIGKILL (Go duration).
    #[arg(long, value_name = "DURATION", default_value = "2s")]
    pub grace: String,
    /// How long a run may take to reach the state a check waits for (Go duration).
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub deadline: String,
    /// How long a runner may take to honour cancellation (Go duration; default: grace + 2s).
    #[arg(long, value_name = "DURATION")]
    pub cancel_deadline: Option<String>,
}

fn duration(flag: &str, text: &str) -> Result<Duration, String> {
    simulator::duration::parse_go_duration(text).map_err(|e| format!("--{flag}: {e}"))
}

fn profile(args: &Args) -> Result<Profile, String> {
    let mut profile = match (&args.profile, args.builtin.as_deref()) {
        (Some(file), _) => Profile::load(file).map_err(|e| format!("--profile {e}"))?,
        (None, Some("wait")) => Profile::wait(),
        (None, Some(other)) => {
            return Err(format!(
                "--builtin {other:?}: the built-in runners are: wait"
            ))
        }
        (None, None) => Profile::default(),
    };
    if let Some(unsupported) = &args.unsupported {
        profile.unsupported = unsupported.clone();
    }
    for feature in &profile.unsupported {
        feature
            .parse::<Feature>()
            .map_err(|e| format!("unsupported features: {e}"))?;
    }
    Ok(profile)
}

fn target(args: &Args, profile: &Profile, grace: Duration) -> Result<Box<dyn Target>, String> {
    if let Some(kubeconfig) = &args.kubeconfig {
        return cluster_target(kubeconfig, &args.namespace);
    }
    if args.builtin.is_some() {
        return Ok(Box::new(LocalTarget::builtins()));
    }
    let Some(command) = &args.runner else {
        return Err("give --runner CMD, --builtin wait or --kubeconfig FILE".to_string());
    };
    let argv: Vec<String> = command.split_whitespace().map(String::from).collect();
    if argv.is_empty() {
        return Err("--runner: empty command".to_string());
    }
    let mut runner = External::new(argv);
    runner.grace = grace;
    for feature in &profile.unsupported {
        if let Ok(feature) = feature.parse() {
            runner.unsupported.push(feature);
        }
    }
    Ok(Box::new(LocalTarget::new(
        &profile.api_version,
        &profile.kind,
        runner,
    )))
}

#[cfg(feature = "kind")]
fn cluster_target(
    kubeconfig: &std::path::Path,
    namespace: &str,
) -> Result<Box<dyn Target>, String> {
    super::cluster::ClusterTarget::connect(kubeconfig, namespace)
        .map(|t| Box::new(t) as Box<dyn Target>)
        .map_err(|e| format!("--kubeconfig {}: {e}", kubeconfig.display()))
}

#[cfg(not(feature = "kind"))]
fn cluster_target(kubeconfig: &std::path::Path, _: &str) -> Result<Box<dyn Target>, String> {
    Err(format!(
        "--kubeconfig {}: this build has no cluster support (build with the `kind` feature)",
        kubeconfig.display()
    ))
}

/// Runs the checker: one line per MUST (`pass`, `FAIL ...: why`, `n/a`),
/// then `N passed, M failed`. Exit 0 when none failed, 1 when some did, 2
/// on bad flags or an unreachable cluster.
pub fn main(args: &Args) -> ExitCode {
    let fail = |message: String| {
        eprintln!("conformance: {message}");
        ExitCode::from(2)
    };
    let settings = (|| {
        let grace = duration("grace", &args.grace)?;
        let settle = duration("deadline", &args.deadline)?;
        let cancel = match &args.cancel_deadline {
            Some(text) => duration("cancel-deadline", text)?,
            None => grace + Duration::from_secs(2),
        };
        let profile = profile(args)?;
        let target = target(args, &profile, grace)?;
        Ok::<_, String>((profile, target, Deadlines { settle, cancel }))
    })();
    let (profile, target, deadlines) = match settings {
        Ok(settings) => settings,
        Err(e) => return fail(e),
    };
    let verdicts = checks::run_all(target.as_ref(), &profile, deadlines, &mut |v| {
        println!("{}", line(v));
    });
    let failed = verdicts.iter().filter(|v| v.failed()).count();
    let passed = verdicts
        .iter()
        .filter(|v| matches!(v.result, Ok(Some(()))))
        .count();
    let skipped = verdicts.len() - failed - passed;
    if skipped > 0 {
        println!("{skipped} not applicable (declared unsupported or not in the profile)");
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The report line of one verdict.
pub fn line(verdict: &Verdict) -> String {
    match &verdict.result {
        Ok(Some(())) => format!("pass  {}", verdict.must),
        Ok(None) => format!("n/a   {}", verdict.must),
        Err(why) => format!("FAIL  {}: {why}", verdict.must),
    }
}
