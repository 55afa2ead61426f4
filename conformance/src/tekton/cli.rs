//! `conformance tekton --kubeconfig K`: the flags, the run and the report.
//!
//! Every case is started on the cluster at once (upstream's controller
//! reconciles them side by side), then podsim runs the cases (a few at a
//! time) while the cluster works, then each cluster run is awaited. One line
//! per case (`pass`, `documented`, `FAIL`, `skip`), the undocumented
//! differences under it, stale patterns, and the summary `N cases, M
//! documented deviations, K undocumented differences`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use super::corpus::{self, Case};
use super::normalise::observed;
use super::podsim::{self, Reported};
use crate::deviations::Registry;

/// Flags of `conformance tekton`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Kubeconfig of the cluster where upstream's controller runs (scripts/tekton-cluster).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: PathBuf,
    /// Directory of self-contained cases (default: conformance/tekton).
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    /// Directory whose runs are cases too, with its Tasks and Pipelines (default: examples/tekton).
    #[arg(long, value_name = "DIR")]
    pub examples: Option<PathBuf>,
    /// Only cases whose name contains this.
    #[arg(long, value_name = "TEXT")]
    pub case: Option<String>,
    /// The podsim binary (default: next to this binary).
    #[arg(long, value_name = "PATH")]
    pub podsim: Option<PathBuf>,
    /// The deviation registry (default: compat/deviations.yaml).
    #[arg(long, value_name = "FILE")]
    pub deviations: Option<PathBuf>,
    /// Upstream version the controller is (selects the deviations that apply).
    #[arg(long, value_name = "VERSION", default_value = "v1.0.0")]
    pub upstream: String,
    /// How long a run may take on the cluster (Go duration).
    #[arg(long, value_name = "DURATION", default_value = "3m")]
    pub timeout: String,
    /// Keep each case's namespace on the cluster.
    #[arg(long)]
    pub keep: bool,
    /// Also print the documented differences.
    #[arg(long)]
    pub verbose: bool,
}

fn fail(message: &str) -> ExitCode {
    eprintln!("conformance: {message}");
    ExitCode::from(2)
}

fn cases(args: &Args) -> Result<Vec<Case>, String> {
    let root = corpus::repository();
    let dir = args
        .corpus
        .clone()
        .unwrap_or_else(|| root.join("conformance/tekton"));
    let examples = args
        .examples
        .clone()
        .unwrap_or_else(|| root.join("examples/tekton"));
    let all = corpus::load(&root, &dir, Some(&examples))?;
    let picked: Vec<Case> = all
        .into_iter()
        .filter(|c| {
            args.case
                .as_ref()
                .is_none_or(|t| c.name.contains(t.as_str()))
        })
        .collect();
    if picked.is_empty() {
        return Err("no case matches --case".into());
    }
    Ok(picked)
}

/// Runs the comparison; exit 0 when nothing is undocumented or stale, 1
/// when something is, 2 on bad flags or an unreachable cluster.
pub fn main(args: &Args) -> ExitCode {
    let timeout = match simulator::duration::parse_go_duration(&args.timeout) {
        Ok(t) => t,
        Err(e) => return fail(&format!("--timeout: {e}")),
    };
    let registry_path = args
        .deviations
        .clone()
        .unwrap_or_else(crate::deviations::default_path);
    let registry = match Registry::load(&registry_path) {
        Ok(r) => r,
        Err(e) => return fail(&e.to_string()),
    };
    let cases = match cases(args) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let podsim_bin = args.podsim.clone().unwrap_or_else(|| {
        let exe = std::env::current_exe().unwrap_or_default();
        exe.parent().map(|d| d.join("podsim")).unwrap_or_default()
    });
    if !podsim_bin.is_file() {
        return fail(&format!(
            "no podsim at {} (build it, or give --podsim)",
            podsim_bin.display()
        ));
    }
    let upstream = match cluster_runs(args, &cases, timeout) {
        Ok(runs) => runs,
        Err(e) => return fail(&format!("--kubeconfig {}: {e}", args.kubeconfig.display())),
    };
    let mut registered = registry.controller_paths(&args.upstream);
    let (mut compared, mut documented, mut undocumented, mut skipped) = (0, 0, 0, 0);
    let podsim_runs = podsim_runs(&podsim_bin, &cases);
    let mut upstream = upstream;
    for (case, (ours, took)) in cases.iter().zip(podsim_runs) {
        if let Some(why) = &case.skip {
            skipped += 1;
            println!("skip  {}: {why}", case.name);
            continue;
        }
        compared += 1;
        let theirs = upstream.next_for(case);
        let (ours, theirs) = match (ours, theirs) {
            (Some(Ok(o)), Ok(t)) => (o, t),
            (Some(Err(e)), _) => {
                undocumented += 1;
                println!("FAIL  {}: podsim: {e}", case.name);
                continue;
            }
            (_, Err(e)) => {
                undocumented += 1;
                println!("FAIL  {}: cluster: {e}", case.name);
                continue;
            }
            (None, _) => continue,
        };
        let doc = |r: &Reported| observed(&r.status, r.task_runs.as_ref());
        let verdict = super::judge(&case.name, &doc(&ours), &doc(&theirs), &mut registered);
        documented += verdict.documented.len();
        undocumented += verdict.undocumented.len();
        let ids: BTreeSet<&str> = verdict
            .documented
            .iter()
            .map(|(_, id)| id.as_str())
            .collect();
        let timing = format!("podsim {:.1}s", took.as_secs_f64());
        if !verdict.undocumented.is_empty() {
            println!(
                "FAIL  {}: {} undocumented differences ({timing})",
                case.name,
                verdict.undocumented.len()
            );
        } else if ids.is_empty() {
            println!("pass  {} ({timing})", case.name);
        } else {
            let list: Vec<&str> = ids.into_iter().collect();
            println!("documented {} ({}; {timing})", case.name, list.join(", "));
        }
        for d in &verdict.undocumented {
            println!("  UNDOCUMENTED {}:{d}", case.name);
        }
        if args.verbose {
            for (d, id) in &verdict.documented {
                println!("  documented ({id}) {}:{d}", case.name);
            }
        }
    }
    let stale: Vec<&(String, String)> = if args.case.is_none() {
        registered.stale()
    } else {
        Vec::new()
    };
    for (id, pattern) in &stale {
        println!("STALE {id}: {pattern} (no difference matches it any more)");
    }
    if skipped > 0 {
        println!("{skipped} cases skipped (they cannot run on the local cluster)");
    }
    println!("{compared} cases, {documented} documented deviations, {undocumented} undocumented differences");
    if undocumented == 0 && stale.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// How many podsim runs go at once: most of a case's time is its steps
/// sleeping (timeouts, cancels), so a few side by side cost little CPU.
const PODSIM_PARALLEL: usize = 4;

/// podsim's report of every case (`None` when skipped) and how long it took,
/// in case order, [`PODSIM_PARALLEL`] at a time.
fn podsim_runs(
    podsim_bin: &std::path::Path,
    cases: &[Case],
) -> Vec<(Option<Result<Reported, String>>, std::time::Duration)> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<_>>> = cases.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..PODSIM_PARALLEL.min(cases.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let started = Instant::now();
                let reported = case.skip.is_none().then(|| podsim::run(podsim_bin, case));
                *slots[i].lock().unwrap_or_else(|e| e.into_inner()) =
                    Some((reported, started.elapsed()));
            });
        }
    });
    slots
        .into_iter()
        .map(|slot| {
            let slot = slot.into_inner().unwrap_or_else(|e| e.into_inner());
            slot.unwrap_or((None, std::time::Duration::ZERO))
        })
        .collect()
}

/// The cluster runs, started before podsim and awaited case by case.
struct Pending {
    #[cfg(feature = "kind")]
    runtime: std::sync::Arc<tokio::runtime::Runtime>,
    #[cfg(feature = "kind")]
    handles: std::collections::VecDeque<tokio::task::JoinHandle<Result<Reported, String>>>,
}

impl Pending {
    /// The cluster's report for `case`, the next one not skipped.
    #[cfg(feature = "kind")]
    fn next_for(&mut self, case: &Case) -> Result<Reported, String> {
        let handle = self
            .handles
            .pop_front()
            .ok_or("no cluster run was started")?;
        self.runtime
            .block_on(handle)
            .map_err(|e| format!("{}: the cluster task failed: {e}", case.name))?
    }

    #[cfg(not(feature = "kind"))]
    fn next_for(&mut self, _: &Case) -> Result<Reported, String> {
        Err("this build has no cluster support".into())
    }
}

#[cfg(feature = "kind")]
fn cluster_runs(
    args: &Args,
    cases: &[Case],
    timeout: std::time::Duration,
) -> Result<Pending, String> {
    let runtime = std::sync::Arc::new(crate::backend::cluster::connect::runtime()?);
    let cluster = super::cluster::Cluster::connect(&args.kubeconfig, &runtime)?;
    let mut handles = std::collections::VecDeque::new();
    for (index, case) in cases.iter().enumerate().filter(|(_, c)| c.skip.is_none()) {
        let namespace = super::cluster::namespace_for(&case.name, index);
        let cluster = cluster.clone();
        let case = case.clone();
        let keep = args.keep;
        handles.push_back(
            runtime.spawn(async move { cluster.run(case, namespace, timeout, keep).await }),
        );
    }
    Ok(Pending { runtime, handles })
}

#[cfg(not(feature = "kind"))]
fn cluster_runs(_: &Args, _: &[Case], _: std::time::Duration) -> Result<Pending, String> {
    Err("this build has no cluster support (build with the `kind` feature)".into())
}
