//! Black-box tests of the debug breakpoints: `-breakpoint_on_failure` pauses a
//! failed step until `<post_file>.breakpointexit` appears and exits with the
//! code it holds; `-debug_before_step` pauses before the command until
//! `<post_file>.beforestepexit` appears.

mod common;

use common::*;

/// Runs `step` (step 0), checks it stays paused, then releases it by writing
/// `content` atomically to `<post_file><suffix>`; returns its exit code.
fn pause_then_release(sb: &Sandbox, step: &Step, suffix: &str, content: &str) -> i32 {
    let release = with_suffix(&sb.post(0), suffix);
    let status = sb.run_paused(step, "paused at a breakpoint", || {
        write_atomic(&release, content)
    });
    status.code().unwrap_or_else(|| {
        panic!(
            "killed by a signal: {status}; stderr: {}",
            read_opt(&sb.path("stderr")).unwrap_or_default()
        )
    })
}

/// Step 0 with the boolean `-<switch>`, whose command touches the marker.
fn marking_step(sb: &Sandbox, switch: &str) -> Step {
    sb.pod_step(0)
        .switch(switch)
        .env("MARK", sb.marker())
        .sh(r#"touch "$MARK""#)
}

#[test]
fn failed_step_waits_for_breakpointexit_and_exits_with_its_code() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    let step = sb.pod_step(0).switch("breakpoint_on_failure").sh("exit 3");
    let code = pause_then_release(&sb, &step, ".breakpointexit", "7\n");
    assert_eq!(code, 7, "the code from .breakpointexit wins");
    // The debug script writes the post file, not the wrapper.
    assert!(!post.exists(), "no post file while debugging");
    assert!(!err_file(&post).exists(), "no .err while debugging");
    assert_started_at(&read_message(&sb.pod_term(0)));
}

#[test]
fn breakpointexit_with_zero_lets_the_step_end_successfully() {
    let sb = Sandbox::new();
    let step = sb.pod_step(0).switch("breakpoint_on_failure").sh("exit 1");
    let code = pause_then_release(&sb, &step, ".breakpointexit", "0");
    assert_eq!(code, 0);
}

#[test]
fn failed_step_reports_its_results_before_pausing() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    let step = sb
        .pod_step(0)
        .switch("breakpoint_on_failure")
        .flag("step_results", "r")
        .env("META", sb.meta(0))
        .sh(r#"printf partial > "$META/results/r"; exit 2"#);
    let stderr = sb.path("stderr");
    let mut child = step.spawn(&stderr);
    // The message is there while the step is paused (it is what the user debugs).
    assert!(
        wait_until(HANG, || sb.pod_term(0).exists()),
        "termination message written before the pause"
    );
    assert_still_running(&mut child, "paused at a breakpoint");
    assert_entry(&read_message(&sb.pod_term(0)), "r", "partial", 4);
    write_atomic(&with_suffix(&post, ".breakpointexit"), "2");
    assert_eq!(wait_child(&mut child).code(), Some(2));
}

#[test]
fn successful_step_does_not_pause() {
    let sb = Sandbox::new();
    sb.pod_step(0)
        .switch("breakpoint_on_failure")
        .sh("true")
        .command()
        .assert()
        .success();
    assert!(sb.post(0).exists());
}

#[test]
fn previous_step_err_does_not_skip_with_breakpoint_on_failure() {
    let sb = Sandbox::new();
    let prev = sb.path("prev/out");
    // The previous step failed: only its .err exists, never the plain file.
    write_file(&err_file(&prev), "");
    sb.pod_step(0)
        .switch("breakpoint_on_failure")
        .wait_file(&prev)
        .env("MARK", sb.marker())
        .sh(r#"touch "$MARK""#)
        .command()
        .assert()
        .success();
    assert!(
        sb.marker().exists(),
        "the step runs despite the previous .err"
    );
    assert!(sb.post(0).exists());
    let msg = read_message(&sb.pod_term(0));
    assert_no_entry(&msg, "Reason");
}

#[test]
fn previous_step_err_skips_without_breakpoint_on_failure() {
    let sb = Sandbox::new();
    let prev = sb.path("prev/out");
    write_file(&err_file(&prev), "");
    sb.pod_step(0)
        .wait_file(&prev)
        .env("MARK", sb.marker())
        .sh(r#"touch "$MARK""#)
        .command()
        .assert()
        .code(1);
    assert!(!sb.marker().exists());
    assert_entry(&read_message(&sb.pod_term(0)), "Reason", "Skipped", 3);
}

#[test]
fn debug_before_step_waits_then_runs_on_zero() {
    let sb = Sandbox::new();
    let step = marking_step(&sb, "debug_before_step");
    let status = sb.run_paused(&step, "paused before the step", || {
        assert!(
            !sb.marker().exists(),
            "the command must wait for the decision"
        );
        write_atomic(&with_suffix(&sb.post(0), ".beforestepexit"), "0");
    });
    assert_eq!(status.code(), Some(0));
    assert!(sb.marker().exists(), "the command runs after the release");
    assert!(sb.post(0).exists());
    assert_started_at(&read_message(&sb.pod_term(0)));
}

/// As upstream v1.0.0 (checked by `conformance compat`, case
/// debug-before-step-fail): what `.beforestepexit` holds does not matter,
/// only its `.err` twin fails the step.
#[test]
fn debug_before_step_ignores_the_code_in_the_release_file() {
    let sb = Sandbox::new();
    let step = marking_step(&sb, "debug_before_step");
    let code = pause_then_release(&sb, &step, ".beforestepexit", "1");
    assert_eq!(code, 0, "the release file's content is not an exit code");
    assert!(sb.marker().exists(), "the command runs");
    assert!(sb.post(0).exists());
}

/// Every step's message carries `StartedAt`, whatever happens after the wait
/// files (upstream writes it from a deferred call on every path).
#[test]
fn debug_before_step_failure_still_writes_started_at() {
    let sb = Sandbox::new();
    let step = sb.pod_step(0).switch("debug_before_step").sh("true");
    pause_then_release(&sb, &step, ".beforestepexit", "1");
    assert!(
        sb.pod_term(0).exists(),
        "termination message must be written"
    );
    assert_started_at(&read_message(&sb.pod_term(0)));
}

/// Upstream reads the file with `strconv.Atoi` and, when that fails, logs
/// and exits 0 "to encourage running the next steps"; we do the same.
#[test]
fn breakpointexit_without_a_number_exits_0_as_upstream() {
    let sb = Sandbox::new();
    let step = sb.pod_step(0).switch("breakpoint_on_failure").sh("exit 3");
    let code = pause_then_release(&sb, &step, ".breakpointexit", "not a number");
    assert_eq!(code, 0);
}

/// Upstream's `debug-beforestep-fail` script writes `1` to
/// `<post_file>.beforestepexit.err` (not `.beforestepexit`); the wait then
/// ends with an error and the step fails without running its command.
#[test]
fn beforestepexit_err_from_the_fail_script_fails_the_step() {
    let sb = Sandbox::new();
    let step = marking_step(&sb, "debug_before_step");
    let code = pause_then_release(&sb, &step, ".beforestepexit.err", "1\n");
    assert!(!sb.marker().exists(), "the command must not run");
    assert_ne!(code, 0, "the step fails");
    assert!(err_file(&sb.post(0)).exists());
    assert!(!sb.post(0).exists());
}

/// The debug scripts write with `echo N > file`: the file exists, empty, for
/// a moment before the code is in it. An event-driven wait must not read that
/// moment as "no code" (0) and turn `fail-continue` into a success.
#[test]
fn release_file_that_is_still_empty_is_not_read_as_exit_0() {
    {
        let (flag, script, suffix) = ("breakpoint_on_failure", "exit 3", ".breakpointexit");
        let sb = Sandbox::new();
        let release = with_suffix(&sb.post(0), suffix);
        let step = sb
            .pod_step(0)
            .switch(flag)
            .env("MARK", sb.marker())
            .sh(script);
        let stderr = sb.path("stderr");
        let mut child = step.spawn(&stderr);
        assert_still_running(&mut child, "paused at a breakpoint");
        // `>` has created and truncated the file; `echo` writes a moment later.
        // The wrapper must not take the empty file for "no code" (0).
        let mut file = std::fs::File::create(&release).expect("create release file");
        std::thread::sleep(std::time::Duration::from_millis(20)); // the shell's gap between open and write
        use std::io::Write as _;
        writeln!(file, "1").expect("write exit code");
        drop(file);
        let status = wait_child(&mut child);
        assert_ne!(
            status.code(),
            Some(0),
            "-{flag}: the code written (1) must be used"
        );
        assert!(!sb.marker().exists(), "-{flag}: the command must not run");
    }
}
