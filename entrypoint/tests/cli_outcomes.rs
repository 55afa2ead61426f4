//! Black-box tests of a step's outcomes: success, failure, on_error, timeout,
//! cancellation, command not found, killed child, bad input, and the
//! stdout/stderr copies.

mod common;

use common::*;
use predicates::prelude::*;
use std::fs;
use std::os::unix::fs::symlink;

#[test]
fn success_posts_file_and_exit_code_zero() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    let meta = sb.tekton("run/0/status");
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
    let entries = read_termination(&sb.path("termination"));
    assert_started_at(&entries);
    assert!(entry(&entries, "Reason").is_none(), "{entries:?}");
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
            .metadata(sb.tekton("run/0/status"))
            .sh(&format!("exit {code}"))
            .command()
            .assert()
            .code(code);
        assert!(err_file(&post).exists(), "exit {code}: no .err");
        assert_eq!(read_opt(&err_file(&post)).as_deref(), Some(""));
        assert!(!post.exists(), "exit {code}: plain post file written");
    }
}

#[test]
fn on_error_continue_posts_plain_file_and_records_exit_code() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    let meta = sb.tekton("run/0/status");
    sb.step()
        .post_file(&post)
        .metadata(&meta)
        .on_error("continue")
        .sh("exit 5")
        .command()
        .assert()
        .code(0);
    assert!(post.exists());
    assert!(!err_file(&post).exists());
    assert_eq!(read_opt(&meta.join("exitCode")).as_deref(), Some("5"));
    let entries = read_termination(&sb.path("termination"));
    assert_entry(&entries, "ExitCode", "5", 3);
    assert_started_at(&entries);
}

#[test]
fn on_error_continue_success_is_plain_success() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    let meta = sb.tekton("run/0/status");
    sb.step()
        .post_file(&post)
        .metadata(&meta)
        .on_error("continue")
        .sh("true")
        .command()
        .assert()
        .code(0);
    assert!(post.exists());
    assert_eq!(read_opt(&meta.join("exitCode")).as_deref(), Some("0"));
    let entries = read_termination(&sb.path("termination"));
    assert!(entry(&entries, "ExitCode").is_none(), "{entries:?}");
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
fn timeout_kills_step_and_reports_timeout_exceeded() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    let started = std::time::Instant::now();
    sb.step()
        .post_file(&post)
        .timeout("200ms")
        .sh("sleep 30")
        .command()
        .assert()
        .code(1);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "timeout not enforced"
    );
    assert!(err_file(&post).exists());
    assert!(!post.exists());
    let entries = read_termination(&sb.path("termination"));
    assert_entry(&entries, "Reason", "TimeoutExceeded", 3);
    assert_started_at(&entries);
}

#[test]
fn timeout_kills_the_whole_process_group() {
    // A grandchild in the same group must die too, else it would keep the
    // step's output open; the wrapper must not wait on it for 30 s.
    let sb = Sandbox::new();
    let post = sb.post(0);
    let pidfile = sb.path("grandchild.pid");
    let started = std::time::Instant::now();
    sb.step()
        .post_file(&post)
        .timeout("300ms")
        .sh(&format!("sleep 30 & echo $! > {}; wait", pidfile.display()))
        .command()
        .assert()
        .code(1);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let pid: i32 = fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let gone = wait_until(HANG, || {
        // kill(pid, 0) fails once the process is gone (reaped by init).
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_err()
            || fs::read_to_string(format!("/proc/{pid}/stat"))
                .map(|s| s.contains(") Z "))
                .unwrap_or(true)
    });
    assert!(gone, "grandchild {pid} survived the timeout");
}

#[test]
fn timeout_not_reached_is_success() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    sb.step()
        .post_file(&post)
        .timeout("30s")
        .sh("true")
        .command()
        .assert()
        .success();
    assert!(post.exists());
}

#[test]
fn negative_timeout_is_an_error_and_still_posts_err() {
    for spelling in [vec!["-timeout", "-1s"], vec!["-timeout=-1s"]] {
        let sb = Sandbox::new();
        let post = sb.post(0);
        let marker = sb.path("marker");
        let mut step = sb.step().post_file(&post);
        for a in &spelling {
            step = step.arg(a);
        }
        let out = step
            .sh(&format!("touch {}", marker.display()))
            .command()
            .assert()
            .code(1);
        assert_one_line_error(&out.get_output().stderr, &["timeout"]);
        assert!(err_file(&post).exists(), "{spelling:?}: no .err");
        assert!(!post.exists());
        assert!(!marker.exists(), "{spelling:?}: command ran");
    }
}

/// Runs a long step, waits until it has started, then lets `cancel` cancel it.
fn run_cancel_scenario(sb: &Sandbox, cancel: impl FnOnce()) {
    let post = sb.post(0);
    let meta = sb.tekton("run/0/status");
    let marker = sb.path("started");
    let mut child = sb
        .step()
        .post_file(&post)
        .metadata(&meta)
        .sh(&format!("touch {}; sleep 30", marker.display()))
        .spawn(&sb.path("stderr"));
    wait_for_path(&marker);
    cancel();
    let st = wait_child(&mut child, HANG);
    let stderr = read_opt(&sb.path("stderr")).unwrap_or_default();
    assert_eq!(
        st.code(),
        Some(9),
        "cancelled step exit status; stderr: {stderr}"
    );
    assert!(err_file(&post).exists());
    assert!(!post.exists());
    assert_eq!(read_opt(&meta.join("exitCode")).as_deref(), Some("killed"));
    let entries = read_termination(&sb.path("termination"));
    assert_entry(&entries, "Reason", "Cancelled", 3);
}

#[test]
fn cancel_file_gaining_content_cancels_the_step() {
    let sb = Sandbox::new();
    let cancel = sb.tekton("downward/cancel");
    write_file(&cancel, "");
    run_cancel_scenario(&sb, || fs::write(&cancel, "CANCEL").unwrap());
}

#[test]
fn cancel_file_created_while_running_cancels_the_step() {
    let sb = Sandbox::new();
    fs::create_dir_all(sb.tekton("downward")).unwrap();
    let cancel = sb.tekton("downward/cancel");
    run_cancel_scenario(&sb, || fs::write(&cancel, "CANCEL").unwrap());
}

#[test]
fn cancel_through_kubelet_data_symlink_swap() {
    // The kubelet's Downward API layout: cancel -> ..data/cancel,
    // ..data -> ..<timestamp>; an update writes a new timestamp dir and
    // atomically renames a new ..data symlink over the old one.
    let sb = Sandbox::new();
    let down = sb.tekton("downward");
    fs::create_dir_all(down.join("..2024_01_01_old")).unwrap();
    fs::write(down.join("..2024_01_01_old/cancel"), "").unwrap();
    fs::write(down.join("..2024_01_01_old/ready"), "").unwrap();
    symlink("..2024_01_01_old", down.join("..data")).unwrap();
    symlink("..data/cancel", down.join("cancel")).unwrap();
    symlink("..data/ready", down.join("ready")).unwrap();
    run_cancel_scenario(&sb, || {
        fs::create_dir_all(down.join("..2024_01_01_new")).unwrap();
        fs::write(down.join("..2024_01_01_new/cancel"), "CANCEL").unwrap();
        fs::write(down.join("..2024_01_01_new/ready"), "").unwrap();
        symlink("..2024_01_01_new", down.join("..data_tmp")).unwrap();
        fs::rename(down.join("..data_tmp"), down.join("..data")).unwrap();
        fs::remove_dir_all(down.join("..2024_01_01_old")).unwrap();
    });
}

#[test]
fn empty_cancel_file_does_not_cancel() {
    let sb = Sandbox::new();
    write_file(&sb.tekton("downward/cancel"), "");
    let post = sb.post(0);
    sb.step()
        .post_file(&post)
        .sh("true")
        .command()
        .assert()
        .success();
    assert!(post.exists());
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

// ---- stdout / stderr copies -----------------------------------------------

#[test]
fn stdout_and_stderr_are_copied_and_passed_through() {
    let sb = Sandbox::new();
    let out = sb.path("logs/a/stdout.log");
    let err = sb.path("logs/b/stderr.log");
    sb.step()
        .flag("stdout_path", &out)
        .flag("stderr_path", &err)
        .sh("echo to-out; echo to-err >&2")
        .command()
        .assert()
        .success()
        .stdout("to-out\n")
        .stderr(predicate::str::contains("to-err"));
    assert_eq!(read_opt(&out).as_deref(), Some("to-out\n"));
    assert_eq!(read_opt(&err).as_deref(), Some("to-err\n"));
}

#[test]
fn stdout_and_stderr_copies_append() {
    let sb = Sandbox::new();
    let out = sb.write("stdout.log", "old-out\n");
    let err = sb.write("stderr.log", "old-err\n");
    sb.step()
        .flag("stdout_path", &out)
        .flag("stderr_path", &err)
        .sh("echo new-out; echo new-err >&2")
        .command()
        .assert()
        .success();
    assert_eq!(read_opt(&out).as_deref(), Some("old-out\nnew-out\n"));
    assert_eq!(read_opt(&err).as_deref(), Some("old-err\nnew-err\n"));
}

#[test]
fn stdout_and_stderr_may_share_one_file() {
    let sb = Sandbox::new();
    let log = sb.path("logs/both.log");
    sb.step()
        .flag("stdout_path", &log)
        .flag("stderr_path", &log)
        .sh("echo line-out; echo line-err >&2")
        .command()
        .assert()
        .success();
    let text = read_opt(&log).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    assert_eq!(lines, vec!["line-err", "line-out"], "log: {text:?}");
}

#[test]
fn stdout_copy_is_complete_for_large_output() {
    let sb = Sandbox::new();
    let out = sb.path("stdout.log");
    let assert = sb
        .step()
        .flag("stdout_path", &out)
        .sh("i=0; while [ $i -lt 5000 ]; do echo line-$i; i=$((i+1)); done")
        .command()
        .assert()
        .success();
    let passed = assert.get_output().stdout.clone();
    let copied = fs::read(&out).unwrap();
    assert_eq!(copied.len(), passed.len());
    assert_eq!(copied, passed);
    assert!(String::from_utf8_lossy(&copied).ends_with("line-4999\n"));
}

#[test]
fn output_copies_are_written_on_failure_too() {
    let sb = Sandbox::new();
    let out = sb.path("stdout.log");
    let post = sb.post(0);
    sb.step()
        .post_file(&post)
        .flag("stdout_path", &out)
        .sh("echo before-failing; exit 4")
        .command()
        .assert()
        .code(4);
    assert_eq!(read_opt(&out).as_deref(), Some("before-failing\n"));
    assert!(err_file(&post).exists());
}
