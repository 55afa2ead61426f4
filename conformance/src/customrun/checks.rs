//! The MUSTs of the CustomRun contract, each a small experiment on a
//! [`Target`] with a pass/fail verdict.

use std::time::Duration;

use simulator::customrun::model::{
    CustomRun, CustomRunSpec, CustomRunStatus, EmbeddedCustomRunSpec, TaskRef, API_VERSION,
    REASON_CANCELLED, REASON_TIMED_OUT, SPEC_STATUS_CANCELLED,
};

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

struct Ctx<'a> {
    target: &'a dyn Target,
    profile: &'a Profile,
    deadlines: Deadlines,
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

fn describe(status: Option<&CustomRunStatus>) -> String {
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

static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Ctx<'_> {
    fn customrun(&self, params: &[simulator::customrun::model::Param]) -> CustomRun {
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

    fn failing(&self, retries: u32) -> CustomRun {
        let mut run = self.customrun(&self.profile.fail);
        run.spec.retries = retries;
        run.spec.timeout = self.profile.fail_timeout.clone();
        run
    }

    fn start(&self, run: CustomRun) -> Result<Box<dyn Handle>, String> {
        self.target
            .start(run)
            .map_err(|e| format!("the CustomRun was refused: {e}"))
    }

    /// Runs `run` to a final status and returns it with the history.
    fn finished(&self, run: CustomRun) -> Result<(CustomRunStatus, Vec<CustomRunStatus>), String> {
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
    fn running(&self, run: CustomRun) -> Result<(Box<dyn Handle>, CustomRunStatus), String> {
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

fn expect(ok: bool, why: impl FnOnce() -> String) -> Result<Option<()>, String> {
    if ok {
        Ok(Some(()))
    } else {
        Err(why())
    }
}

fn unknown_while_running(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (handle, _) = ctx.running(ctx.customrun(&ctx.profile.long))?;
    handle.finish();
    Ok(Some(()))
}

fn start_time(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (handle, status) = ctx.running(ctx.customrun(&ctx.profile.long))?;
    handle.finish();
    expect(status.start_time.is_some(), || {
        "the running status has no startTime".into()
    })
}

fn succeeds(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (status, _) = ctx.finished(ctx.customrun(&ctx.profile.succeed))?;
    expect(status.state() == Some("True"), || {
        format!("ended with {}", describe(Some(&status)))
    })
}

fn completion_time(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (status, _) = ctx.finished(ctx.customrun(&ctx.profile.succeed))?;
    expect(status.completion_time.is_some(), || {
        "the final status has no completionTime".into()
    })
}

fn results(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let Some(echo) = &ctx.profile.echo else {
        return Ok(None);
    };
    let (status, _) = ctx.finished(ctx.customrun(&ctx.profile.succeed))?;
    expect(status.results.iter().any(|r| r.name == echo.result), || {
        format!("no result {:?} among {:?}", echo.result, status.results)
    })
}

fn params(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let Some(echo) = &ctx.profile.echo else {
        return Ok(None);
    };
    let nonce = format!(
        "n{}x{}",
        std::process::id(),
        COUNTER.load(std::sync::atomic::Ordering::SeqCst)
    );
    let mut run = ctx.customrun(&ctx.profile.succeed);
    for param in &mut run.spec.params {
        if param.name == echo.param {
            param.value = serde_json::Value::String(nonce.clone());
        }
    }
    let (status, _) = ctx.finished(run)?;
    let got = status
        .results
        .iter()
        .find(|r| r.name == echo.result)
        .map(|r| r.value.clone());
    expect(got.as_deref() == Some(nonce.as_str()), || {
        format!(
            "param {} was {nonce:?} but result {} is {got:?}",
            echo.param, echo.result
        )
    })
}

fn fails(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (status, _) = ctx.finished(ctx.failing(0))?;
    expect(status.state() == Some("False"), || {
        format!("ended with {}", describe(Some(&status)))
    })
}

fn conditions(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (_, mut history) = ctx.finished(ctx.customrun(&ctx.profile.succeed))?;
    history.extend(ctx.finished(ctx.failing(1))?.1);
    let bad = history
        .iter()
        .find(|s| !matches!(s.state(), Some("True" | "False" | "Unknown")));
    expect(bad.is_none(), || format!("an update had {}", describe(bad)))
}

fn retries_length(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    if !ctx.profile.supports("retries") {
        return Ok(None);
    }
    let (status, _) = ctx.finished(ctx.failing(2))?;
    expect(
        status.state() == Some("False") && status.retries_status.len() == 2,
        || {
            format!(
                "with retries: 2 every try failing, ended with {}",
                describe(Some(&status))
            )
        },
    )
}

fn no_early_false(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    if !ctx.profile.supports("retries") {
        return Ok(None);
    }
    let (_, history) = ctx.finished(ctx.failing(2))?;
    let early = history
        .iter()
        .find(|s| s.state() == Some("False") && s.retries_status.len() < 2);
    expect(early.is_none(), || {
        format!("with retries: 2 it reported {}", describe(early))
    })
}

fn final_is_final(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (_, history) = ctx.finished(ctx.customrun(&ctx.profile.succeed))?;
    let first_done = history.iter().position(CustomRunStatus::is_done);
    expect(first_done == Some(history.len() - 1), || {
        format!(
            "{} updates followed the first final one",
            history.len() - 1 - first_done.unwrap_or(0)
        )
    })
}

fn cancel_and_wait(ctx: &Ctx<'_>, handle: Box<dyn Handle>) -> Result<CustomRunStatus, String> {
    handle.cancel("cancelled by the contract checker");
    let done = handle.wait_status(ctx.deadlines.cancel, &CustomRunStatus::is_done);
    let last = handle.history();
    handle.finish();
    done.ok_or_else(|| {
        format!(
            "no final status within {:?} of the cancellation (last: {})",
            ctx.deadlines.cancel,
            describe(last.last())
        )
    })
}

fn cancelled(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (handle, _) = ctx.running(ctx.customrun(&ctx.profile.long))?;
    let status = cancel_and_wait(ctx, handle)?;
    expect(
        status.state() == Some("False") && status.reason() == REASON_CANCELLED,
        || format!("ended with {}", describe(Some(&status))),
    )
}

fn cancelled_at_creation(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let mut run = ctx.customrun(&ctx.profile.long);
    run.spec.status = SPEC_STATUS_CANCELLED.to_string();
    run.spec.status_message = "cancelled before it started".to_string();
    let handle = ctx.start(run)?;
    let done = handle.wait_status(ctx.deadlines.cancel, &CustomRunStatus::is_done);
    let last = handle.history();
    handle.finish();
    let status = done.ok_or_else(|| {
        format!(
            "no final status within {:?} (last: {})",
            ctx.deadlines.cancel,
            describe(last.last())
        )
    })?;
    expect(status.reason() == REASON_CANCELLED, || {
        format!("ended with {}", describe(Some(&status)))
    })
}

fn no_retry_after_cancel(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let mut run = ctx.customrun(&ctx.profile.long);
    if ctx.profile.supports("retries") {
        run.spec.retries = 2;
    }
    let (handle, _) = ctx.running(run)?;
    let status = cancel_and_wait(ctx, handle)?;
    expect(
        status.reason() == REASON_CANCELLED && status.retries_status.is_empty(),
        || format!("ended with {}", describe(Some(&status))),
    )
}

fn timed_out(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let mut run = ctx.customrun(&ctx.profile.long);
    run.spec.timeout = Some("50ms".to_string());
    let (status, _) = ctx.finished(run)?;
    if ctx.profile.supports("timeout") {
        expect(
            status.state() == Some("False") && status.reason() == REASON_TIMED_OUT,
            || format!("ended with {}", describe(Some(&status))),
        )
    } else {
        expect(status.state() == Some("False"), || {
            format!(
                "declared no timeout support but ended with {}",
                describe(Some(&status))
            )
        })
    }
}

fn timeout_per_try(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    if !ctx.profile.supports("timeout") || !ctx.profile.supports("retries") {
        return Ok(None);
    }
    let mut run = ctx.customrun(&ctx.profile.long);
    run.spec.timeout = Some("50ms".to_string());
    run.spec.retries = 1;
    let (status, _) = ctx.finished(run)?;
    let retried = status
        .retries_status
        .first()
        .map(|s| s.reason().to_string());
    expect(
        status.reason() == REASON_TIMED_OUT
            && retried.as_deref() == Some(REASON_TIMED_OUT)
            && status.retries_status.len() == 1,
        || {
            format!(
                "with timeout 50ms and retries 1, ended with {} (first try: {retried:?})",
                describe(Some(&status))
            )
        },
    )
}

fn invalid(ctx: &Ctx<'_>, run: CustomRun) -> Result<Option<()>, String> {
    let handle = match ctx.target.start(run) {
        // Refused at admission: the strongest form of "reported".
        Err(_) => return Ok(Some(())),
        Ok(handle) => handle,
    };
    let done = handle.wait_status(ctx.deadlines.settle, &CustomRunStatus::is_done);
    handle.finish();
    expect(
        done.as_ref().is_some_and(|s| s.state() == Some("False")),
        || format!("accepted and ended with {}", describe(done.as_ref())),
    )
}

fn invalid_both(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let mut run = ctx.customrun(&ctx.profile.succeed);
    run.spec.custom_spec = Some(EmbeddedCustomRunSpec {
        api_version: ctx.profile.api_version.clone(),
        kind: ctx.profile.kind.clone(),
        ..EmbeddedCustomRunSpec::default()
    });
    invalid(ctx, run)
}

fn invalid_empty_kind(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let mut run = ctx.customrun(&ctx.profile.succeed);
    if let Some(r) = run.spec.custom_ref.as_mut() {
        r.kind = String::new();
    }
    invalid(ctx, run)
}

fn unnamed_ref(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (status, _) = ctx.finished(ctx.customrun(&ctx.profile.succeed))?;
    expect(status.is_done(), || {
        format!("ended with {}", describe(Some(&status)))
    })
}
