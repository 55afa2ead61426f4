//! The experiments behind each MUST of [`super::checks`]: `Ok(Some(()))`
//! pass, `Ok(None)` not applicable, `Err(why)` fail.

use simulator::customrun::model::{
    CustomRun, CustomRunStatus, EmbeddedCustomRunSpec, REASON_CANCELLED, REASON_TIMED_OUT,
    SPEC_STATUS_CANCELLED,
};

use super::checks::{describe, Ctx, COUNTER};
use super::target::Handle;

fn expect(ok: bool, why: impl FnOnce() -> String) -> Result<Option<()>, String> {
    if ok {
        Ok(Some(()))
    } else {
        Err(why())
    }
}

pub(super) fn unknown_while_running(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (handle, _) = ctx.running(ctx.customrun(&ctx.profile.long))?;
    handle.finish();
    Ok(Some(()))
}

pub(super) fn start_time(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (handle, status) = ctx.running(ctx.customrun(&ctx.profile.long))?;
    handle.finish();
    expect(status.start_time.is_some(), || {
        "the running status has no startTime".into()
    })
}

pub(super) fn succeeds(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (status, _) = ctx.finished(ctx.customrun(&ctx.profile.succeed))?;
    expect(status.state() == Some("True"), || {
        format!("ended with {}", describe(Some(&status)))
    })
}

pub(super) fn completion_time(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (status, _) = ctx.finished(ctx.customrun(&ctx.profile.succeed))?;
    expect(status.completion_time.is_some(), || {
        "the final status has no completionTime".into()
    })
}

pub(super) fn results(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let Some(echo) = &ctx.profile.echo else {
        return Ok(None);
    };
    let (status, _) = ctx.finished(ctx.customrun(&ctx.profile.succeed))?;
    expect(status.results.iter().any(|r| r.name == echo.result), || {
        format!("no result {:?} among {:?}", echo.result, status.results)
    })
}

pub(super) fn params(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
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

pub(super) fn fails(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (status, _) = ctx.finished(ctx.failing(0))?;
    expect(status.state() == Some("False"), || {
        format!("ended with {}", describe(Some(&status)))
    })
}

pub(super) fn conditions(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (_, mut history) = ctx.finished(ctx.customrun(&ctx.profile.succeed))?;
    history.extend(ctx.finished(ctx.failing(1))?.1);
    let bad = history
        .iter()
        .find(|s| !matches!(s.state(), Some("True" | "False" | "Unknown")));
    expect(bad.is_none(), || format!("an update had {}", describe(bad)))
}

pub(super) fn retries_length(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
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

pub(super) fn no_early_false(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
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

pub(super) fn final_is_final(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (_, history) = ctx.finished(ctx.customrun(&ctx.profile.succeed))?;
    let first_done = history.iter().position(CustomRunStatus::is_done);
    expect(first_done == Some(history.len() - 1), || {
        format!(
            "{} updates followed the first final one",
            history.len() - 1 - first_done.unwrap_or(0)
        )
    })
}

pub(super) fn cancel_and_wait(
    ctx: &Ctx<'_>,
    handle: Box<dyn Handle>,
) -> Result<CustomRunStatus, String> {
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

pub(super) fn cancelled(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (handle, _) = ctx.running(ctx.customrun(&ctx.profile.long))?;
    let status = cancel_and_wait(ctx, handle)?;
    expect(
        status.state() == Some("False") && status.reason() == REASON_CANCELLED,
        || format!("ended with {}", describe(Some(&status))),
    )
}

pub(super) fn cancelled_at_creation(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
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

pub(super) fn no_retry_after_cancel(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
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

pub(super) fn timed_out(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
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

pub(super) fn timeout_per_try(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
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

pub(super) fn invalid(ctx: &Ctx<'_>, run: CustomRun) -> Result<Option<()>, String> {
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

pub(super) fn invalid_both(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let mut run = ctx.customrun(&ctx.profile.succeed);
    run.spec.custom_spec = Some(EmbeddedCustomRunSpec {
        api_version: ctx.profile.api_version.clone(),
        kind: ctx.profile.kind.clone(),
        ..EmbeddedCustomRunSpec::default()
    });
    invalid(ctx, run)
}

pub(super) fn invalid_empty_kind(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let mut run = ctx.customrun(&ctx.profile.succeed);
    if let Some(r) = run.spec.custom_ref.as_mut() {
        r.kind = String::new();
    }
    invalid(ctx, run)
}

pub(super) fn unnamed_ref(ctx: &Ctx<'_>) -> Result<Option<()>, String> {
    let (status, _) = ctx.finished(ctx.customrun(&ctx.profile.succeed))?;
    expect(status.is_done(), || {
        format!("ended with {}", describe(Some(&status)))
    })
}
