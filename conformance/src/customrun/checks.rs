//! The MUSTs of the CustomRun contract, each a small experiment on a
//! [`Target`] with a pass/fail verdict.

use std::time::Duration;

use simulator::customrun::model::{
    CustomRun, CustomRunSpec, CustomRunStatus, TaskRef, API_VERSION,
};

use super::musts::*;
use super::profile::Profile;
use super::target::{Handle, Target};

/// Deadlines of the experiments.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// How long any run may take to reach the state a check waits for.
    pub settle: Duration,
    /// How long a runner may take to honour cancellation.
    pub cancel: Duration,
}

/// One MUST and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The MUST, as printed.
    pub must: &'static str,
    /// `Ok(())`: pass; `Err(why)`: fail; `None` inside: skipped (not applicable).
    pub result: Result<Option<()>, String>,
}

impl Verdict {
    /// Whether it failed.
    pub fn failed(&self) -> bool {
        self.result.is_err()
    }
}

pub(super) struct Ctx<'a> {
    pub(super) target: &'a dyn Target,
    pub(super) profile: &'a Profile,
    pub(super) deadlines: Deadlines,
}

type Check = fn(&Ctx<'_>) -> Result<Option<()>, String>;

/// The MUSTs, in the order they are printed.
const MUSTS: &[(&str, Check)] = &[
    ("MUST report Succeeded=Unknown while running", unknown_while_running),
    ("MUST set startTime once running", start_time),
    ("MUST end Succeeded=True when the task succeeds", succeeds),
    ("MUST set completionTime once done", completion_time),
    ("MUST report results as name/value", results),
    ("MUST pass params to the task", params),
    ("MUST end Succeeded=False when every try fails", fails),
    ("MUST use only Succeeded=True/False/Unknown conditions", conditions),
    ("MUST record each retry in retriesStatus (length = retries used)", retries_length),
    ("MUST NOT report False before the retries are exhausted", no_early_false),
    ("MUST NOT change a finished status", final_is_final),
    ("MUST end CustomRunCancelled after spec.status RunCancelled, within the deadline", cancelled),
    ("MUST honour spec.status RunCancelled set at creation", cancelled_at_creation),
    ("MUST NOT start another try after cancellation", no_retry_after_cancel),
    ("MUST end CustomRunTimedOut when a try outlives spec.timeout (or reject a timeout it does not support)", timed_out),
    ("MUST apply spec.timeout to each try, not to all tries", timeout_per_try),
    ("MUST report customRef together with customSpec as invalid", invalid_both),
    ("MUST report an empty kind as invalid", invalid_empty_kind),
    ("MUST give an unnamed customRef its default behaviour (a final status)", unnamed_ref),
];

/// The names of every MUST, in order.
pub fn musts() -> Vec<&'static str> {
    MUSTS.iter().map(|(must, _)| *must).collect()
}

/// Runs every MUST against `target` and returns the verdicts in order;
/// `progress` sees each as soon as it is known.
pub fn run_all(
    target: &dyn Target,
    profile: &Profile,
    deadlines: Deadlines,
    progress: &mut dyn FnMut(&Verdict),
) -> Vec<Verdict> {
    let ctx = Ctx {
        target,
        profile,
        deadlines,
    };
    MUSTS
        .iter()
        .map(|(must, check)| {
            let verdict = Verdict {
                must,
                result: check(&ctx),
            };
            progress(&verdict);
            verdict
        })
        .collect()
}

pub(super) fn describe(status: Option<&CustomRunStatus>) -> String {
    match status {
        None => "no status".to_string(),
        Some(s) => match s.succeeded() {
            None => "a status without a Succeeded condition".to_string(),
            Some(c) => format!(
                "Succeeded={} reason {:?} retriesStatus {}",
                c.status,
                c.reason,
                s.retries_status.len()
            ),
        },
    }
}

pub(super) static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Ctx<'_> {
    pub(super) fn customrun(&self, params: &[simulator::customrun::model::Param]) -> CustomRun {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut run = CustomRun {
            api_version: API_VERSION.to_string(),
            kind: "CustomRun".to_string(),
            spec: CustomRunSpec {
                custom_ref: Some(TaskRef {
                    api_version: self.profile.api_version.clone(),
                    kind: self.profile.kind.clone(),
                    name: String::new(),
                }),
                params: params.to_vec(),
                ..CustomRunSpec::default()
            },
            ..CustomRun::default()
        };
        run.metadata.name = Some(format!("customrun-check-{}-{n}", std::process::id()));
        run
    }

    pub(super) fn failing(&self, retries: u32) -> CustomRun {
        let mut run = self.customrun(&self.profile.fail);
        run.spec.retries = retries;
        run.spec.timeout = self.profile.fail_timeout.clone();
        run
    }

    pub(super) fn start(&self, run: CustomRun) -> Result<Box<dyn Handle>, String> {
        self.target
            .start(run)
            .map_err(|e| format!("the CustomRun was refused: {e}"))
    }

    /// Runs `run` to a final status and returns it with the history.
    pub(super) fn finished(
        &self,
        run: CustomRun,
    ) -> Result<(CustomRunStatus, Vec<CustomRunStatus>), String> {
        let handle = self.start(run)?;
        let done = handle.wait_status(self.deadlines.settle, &CustomRunStatus::is_done);
        let history = handle.history();
        handle.finish();
        match done {
            Some(status) => Ok((status, history)),
            None => Err(format!(
                "no final status within {:?} (last: {})",
                self.deadlines.settle,
                describe(history.last())
            )),
        }
    }

    /// Starts a long run and waits until it reports Unknown.
    pub(super) fn running(
        &self,
        run: CustomRun,
    ) -> Result<(Box<dyn Handle>, CustomRunStatus), String> {
        let handle = self.start(run)?;
        let unknown = |s: &CustomRunStatus| s.state() == Some("Unknown");
        match handle.wait_status(self.deadlines.settle, &unknown) {
            Some(status) => Ok((handle, status)),
            None => {
                let last = describe(handle.history().last());
                handle.finish();
                Err(format!(
                    "no Succeeded=Unknown within {:?} (last: {last})",
                    self.deadlines.settle
                ))
            }
        }
    }
}
