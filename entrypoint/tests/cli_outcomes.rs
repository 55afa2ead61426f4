//! Black-box tests of a step's outcomes: success, failure, on_error, command
//! not found, a child killed by a signal, and what the child inherits.
//! Timeouts and cancellation are in cli_timeout_cancel.rs.

mod common;

use common::*;
use predicates::prelude::*;
use std::fs;

#[test]
fn success_posts_file_and_exit_code_zero() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    let meta = sb.meta(0);
    sb.step()
        .post_file(&post)
        .metadata(&meta)
        .sh("echo hello")
        .command()
        .assert()
        .success()
        .stdout("hello\n");
    assert_eq!(
        read_opt(&post).as_deref(),
        Some(""),
        "post file must exist and be empty"
    );
    assert!(!err_file(&post).exists());
    assert_eq!(read_opt(&meta.join("exitCode")).as_deref(), Some("0"));
    assert!(meta.join("results").is_dir(), "results/ not created");
    assert!(meta.join("artifacts").is_dir(), "artifacts/ not created");
    let entries = read_message(&sb.term());
    assert_started_at(&entries);
    assert_no_entry(&entries, "Reason");
}

#[test]
fn post_file_parents_are_created() {
    let sb = Sandbox::new();
    let post = sb.path("deep/er/still/out");
    sb.step()
        .post_file(&post)
        .sh("true")
        .command()
        .assert()
        .success();
    assert!(post.exists());
}

#[test]
fn post_file_leaves_no_temporary_files_behind() {
    let sb = Sandbox::new();
    let dir = sb.path("posts");
    let post = dir.join("out");
    sb.step()
        .post_file(&post)
        .sh("true")
        .command()
        .assert()
        .success();
    let names: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["out".to_string()]);
}

#[test]
fn failure_posts_err_and_exits_with_child_code() {
    for code in [1, 3, 42, 200] {
        let sb = Sandbox::new();
        let post = sb.post(0);
        sb.step()
            .post_file(&post)
            .metadata(sb.meta(0))
            .sh(&format!("exit {code}"))
            .command()
            .assert()
            .code(code);
        assert!(err_file(&post).exists(), "exit {code}: no .err");
        assert_eq!(read_opt(&err_file(&post)).as_deref(), Some(""));
        assert!(!post.exists(), "exit {code}: plain post file written");
    }
}

/// Runs `script` as a step with `-on_error continue`; asserts it exits 0 with
/// a plain post file and no `.err`, and returns the sandbox and the
/// termination message.
fn run_with_on_error_continue(script: &str) -> (Sandbox, Vec<Entry>) {
    let sb = Sandbox::new();
    let post = sb.post(0);
    sb.step()
        .post_file(&post)
        .metadata(sb.meta(0))
        .on_error("continue")
        .sh(script)
        .command()
        .assert()
        .code(0);
    assert!(post.exists(), "{script}: no plain post file");
    assert!(!err_file(&post).exists(), "{script}: .err written");
    let entries = read_message(&sb.term());
    (sb, entries)
}

#[test]
fn on_error_continue_posts_plain_file_and_records_exit_code() {
    let (sb, entries) = run_with_on_error_continue("exit 5");
    assert_eq!(read_opt(&sb.meta(0).join("exitCode")).as_deref(), Some("5"));
    assert_entry(&entries, "ExitCode", "5", 3);
    assert_started_at(&entries);
}

#[test]
fn on_error_continue_success_is_plain_success() {
    let (sb, entries) = run_with_on_error_continue("true");
    assert_eq!(read_opt(&sb.meta(0).join("exitCode")).as_deref(), Some("0"));
    assert_no_entry(&entries, "ExitCode");
}

#[test]
fn on_error_stop_and_fail_behaves_like_default() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    sb.step()
        .post_file(&post)
        .on_error("stopAndFail")
        .sh("exit 7")
        .command()
        .assert()
        .code(7);
    assert!(err_file(&post).exists());
    assert!(!post.exists());

    let sb = Sandbox::new();
    let post = sb.post(0);
    sb.step()
        .post_file(&post)
        .on_error("stopAndFail")
        .sh("true")
        .command()
        .assert()
        .code(0);
    assert!(post.exists());
}

#[test]
fn on_error_unknown_value_is_an_error_and_still_posts_err() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    let marker = sb.path("marker");
    let out = sb
        .step()
        .post_file(&post)
        .on_error("ignore")
        .sh(&format!("touch {}", marker.display()))
        .command()
        .assert()
        .code(1);
    assert_one_line_error(&out.get_output().stderr, &["on_error"]);
    assert!(
        err_file(&post).exists(),
        ".err must be written on bad input"
    );
    assert!(!post.exists());
    assert!(
        !marker.exists(),
        "command must not run with a bad -on_error"
    );
}

#[test]
fn command_not_found_posts_err_and_exits_1() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    let out = sb
        .step()
        .post_file(&post)
        .run("/nonexistent/cmd", ["arg"])
        .command()
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("/nonexistent/cmd"),
        "error should name the command: {err}"
    );
    assert!(err_file(&post).exists());
    assert!(!post.exists());
}

#[test]
fn command_not_on_path_posts_err_and_exits_1() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    sb.step()
        .post_file(&post)
        .run("no-such-command-on-path-xyz", Vec::<&str>::new())
        .command()
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no-such-command-on-path-xyz"));
    assert!(err_file(&post).exists());
}

#[test]
fn command_found_on_path() {
    let sb = Sandbox::new();
    sb.step()
        .run("echo", ["via", "PATH"])
        .command()
        .assert()
        .success()
        .stdout("via PATH\n");
}

#[test]
fn child_killed_by_signal_exits_255_and_posts_err() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    sb.step()
        .post_file(&post)
        .sh("kill -KILL $$")
        .command()
        .assert()
        .code(255);
    assert!(err_file(&post).exists());
    assert!(!post.exists());
}

#[test]
fn environment_is_passed_to_the_child() {
    let sb = Sandbox::new();
    sb.step()
        .env("MY_STEP_VAR", "value-42")
        .sh("echo $MY_STEP_VAR")
        .command()
        .assert()
        .success()
        .stdout("value-42\n");
}

#[test]
fn stdin_is_passed_to_the_child() {
    let sb = Sandbox::new();
    sb.step()
        .sh("cat")
        .command()
        .write_stdin("from stdin\n")
        .assert()
        .success()
        .stdout("from stdin\n");
}
