//! The differential command-line suite (`conformance compat`): every case runs
//! through upstream Tekton's `entrypoint` and ours in identical fresh
//! sandboxes; every difference must be a registered deviation
//! (`compat/deviations.yaml`, area `entrypoint`), and every registered
//! deviation must still be observed by the cases it names.

pub mod case;
pub mod cases;
pub mod observe;
pub mod registry;
pub mod sandbox;

use std::path::PathBuf;

use case::Case;

/// What the suite runs against.
#[derive(Clone, Debug)]
pub struct Config {
    /// Upstream's binary.
    pub upstream: PathBuf,
    /// Our binary.
    pub ours: PathBuf,
    /// Upstream's version (selects the deviations that apply).
    pub version: String,
    /// The deviation registry.
    pub registry: PathBuf,
    /// Only cases whose name contains this.
    pub filter: Option<String>,
    /// Print every case's differences, documented ones too.
    pub verbose: bool,
}

/// The verdict of one case.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// The case's name.
    pub name: &'static str,
    /// Differences found (empty: identical), or why it did not run.
    pub differences: Vec<String>,
    /// The deviation ids covering the case when it differs.
    pub documented_by: Vec<String>,
    /// Why the case was skipped, if it was.
    pub skipped: Option<String>,
}

/// The suite's totals.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Cases run.
    pub cases: usize,
    /// Differing cases covered by a registered deviation.
    pub documented: usize,
    /// Differing cases no deviation covers (or runs that failed).
    pub undocumented: usize,
    /// Registered deviations a case names that no longer differ there.
    pub stale: Vec<String>,
    /// Every case's verdict.
    pub results: Vec<CaseResult>,
}

impl Summary {
    /// The suite passed: nothing undocumented, nothing stale.
    pub fn passed(&self) -> bool {
        self.undocumented == 0 && self.stale.is_empty()
    }
}

/// Runs the suite, printing one line per differing case to stderr.
///
/// Fails with a one-line message when a binary is missing or the registry
/// cannot be read; differences are in the [`Summary`], not errors.
pub fn run(config: &Config) -> Result<Summary, String> {
    if !config.upstream.is_file() {
        return Err(format!(
            "upstream entrypoint {} not found: build it with `scripts/upstream-entrypoint {}` (or pass --upstream-binary PATH)",
            config.upstream.display(),
            config.version
        ));
    }
    if !config.ours.is_file() {
        return Err(format!(
            "our entrypoint {} not found: `cargo build -p entrypoint` (or pass --ours PATH)",
            config.ours.display()
        ));
    }
    let deviations = registry::load(&config.registry, &config.version)?;
    let all = cases::all();
    check_unique(&all)?;
    for d in &deviations {
        for c in &d.cases {
            if !all.iter().any(|case| case.name == c) {
                return Err(format!(
                    "{}: deviation {} names unknown case {c}",
                    config.registry.display(),
                    d.id
                ));
            }
        }
    }
    let selected: Vec<Case> = all
        .into_iter()
        .filter(|c| config.filter.as_deref().is_none_or(|f| c.name.contains(f)))
        .collect();
    let namespaces = sandbox::namespaces_available();
    if let Err(reason) = &namespaces {
        eprintln!("compat: {reason}");
    }
    let results = run_all(config, &selected, namespaces.is_ok());
    let mut summary = Summary::default();
    for mut result in results {
        if result.skipped.is_some() {
            summary.results.push(result);
            continue;
        }
        summary.cases += 1;
        let covering: Vec<String> = deviations
            .iter()
            .filter(|d| d.cases.iter().any(|c| c == result.name))
            .map(|d| d.id.clone())
            .collect();
        if result.differences.is_empty() {
            for id in covering {
                summary
                    .stale
                    .push(format!("{id} (case {} no longer differs)", result.name));
            }
        } else if covering.is_empty() {
            summary.undocumented += 1;
            eprintln!("compat: UNDOCUMENTED {}:", result.name);
            for d in &result.differences {
                eprintln!("compat:   {d}");
            }
        } else {
            summary.documented += 1;
            if config.verbose {
                eprintln!(
                    "compat: documented {} ({}):",
                    result.name,
                    covering.join(", ")
                );
                for d in &result.differences {
                    eprintln!("compat:   {d}");
                }
            }
            result.documented_by = covering;
        }
        summary.results.push(result);
    }
    for stale in &summary.stale {
        eprintln!("compat: STALE deviation {stale}");
    }
    Ok(summary)
}

fn check_unique(cases: &[Case]) -> Result<(), String> {
    let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    for pair in names.windows(2) {
        if pair[0] == pair[1] {
            return Err(format!("two compat cases are named {}", pair[0]));
        }
    }
    Ok(())
}

/// Runs the cases on a few threads (upstream polls once a second in some
/// paths, so the suite's wall time is bounded by its slowest cases).
fn run_all(config: &Config, cases: &[Case], namespaces: bool) -> Vec<CaseResult> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<CaseResult>>> =
        cases.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..6 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let result = run_one(config, case, namespaces);
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(result);
                }
            });
        }
    });
    slots
        .into_iter()
        .filter_map(|s| s.into_inner().ok().flatten())
        .collect()
}

fn run_one(config: &Config, case: &Case, namespaces: bool) -> CaseResult {
    let mut result = CaseResult {
        name: case.name,
        differences: Vec::new(),
        documented_by: Vec::new(),
        skipped: None,
    };
    if case.tekton && !namespaces {
        result.skipped = Some("needs /tekton".into());
        return result;
    }
    let upstream = sandbox::run(case, &config.upstream);
    let ours = sandbox::run(case, &config.ours);
    result.differences = match (upstream, ours) {
        (Ok(u), Ok(o)) => observe::diff(case, &u, &o),
        (Err(e), _) => vec![format!("upstream run: {e}")],
        (_, Err(e)) => vec![format!("our run: {e}")],
    };
    result
}
