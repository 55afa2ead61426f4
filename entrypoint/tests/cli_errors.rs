//! Black-box tests of bad input and unusable files: every error is one line
//! naming the flag or file at fault, nothing panics, and wherever a post file
//! was given its `.err` is still written so later steps skip rather than hang.

mod common;

use common::*;
use predicates::prelude::*;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

/// Asserts no panic message reached stderr.
fn assert_no_panic(stderr: &[u8]) {
    let text = String::from_utf8_lossy(stderr);
    assert!(!text.contains("panicked"), "the binary panicked: {text}");
}

#[test]
fn unknown_flag_still_posts_err() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    let out = sb
        .step()
        .post_file(&post)
        .arg("-no_such_flag")
        .sh("true")
        .command()
        .assert()
        .code(2);
    assert_no_panic(&out.get_output().stderr);
    assert!(err_file(&post).exists(), "usage error must still post .err");
    assert!(!post.exists());
}

#[test]
fn malformed_timeout_still_posts_err() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    sb.step()
        .post_file(&post)
        .timeout("ten seconds")
        .sh("true")
        .command()
        .assert()
        .failure();
    assert!(err_file(&post).exists());
    assert!(!post.exists());
}

#[test]
fn non_utf8_argument_is_an_error_not_a_panic() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    let bad = OsString::from_vec(vec![b'x', 0xff, 0xfe]);
    let out = sb
        .step()
        .post_file(&post)
        .arg("-results")
        .arg(&bad)
        .sh("true")
        .command()
        .assert()
        .code(1);
    assert_one_line_error(&out.get_output().stderr, &[]);
    assert!(err_file(&post).exists());
}

/// Gives `flag` a path below a plain file (so it cannot be created) on a
/// step with a post file; asserts a one-line error naming that path, the
/// `.err` (and no plain) post file.
fn assert_unusable_path_error(flag: &str, leaf: &str) {
    let sb = Sandbox::new();
    let post = sb.post(0);
    let blocker = sb.write("plain-file", "");
    let bad = blocker.join(leaf);
    let marker = sb.marker();
    let out = sb
        .step()
        .post_file(&post)
        .flag(flag, &bad)
        .sh(&format!("touch {}", marker.display()))
        .command()
        .assert()
        .code(1);
    assert_one_line_error(&out.get_output().stderr, &[bad.to_str().unwrap()]);
    assert!(err_file(&post).exists(), "-{flag}: no .err");
    assert!(!post.exists(), "-{flag}: plain post file");
}

#[test]
fn unusable_stdout_path_is_an_error_naming_it() {
    assert_unusable_path_error("stdout_path", "stdout.log");
}

#[test]
fn unusable_stderr_path_is_an_error_naming_it() {
    assert_unusable_path_error("stderr_path", "stderr.log");
}

#[test]
fn unusable_step_metadata_dir_is_an_error_naming_it() {
    assert_unusable_path_error("step_metadata_dir", "status");
}

#[test]
fn unusable_wait_file_path_is_an_error_and_posts_err() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    let blocker = sb.write("plain-file", "");
    let wait = blocker.join("out");
    let marker = sb.marker();
    let out = sb
        .step()
        .wait_file(&wait)
        .post_file(&post)
        .sh(&format!("touch {}", marker.display()))
        .command()
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.starts_with("entrypoint: "), "{stderr}");
    assert!(
        stderr.contains(wait.to_str().unwrap()),
        "should name the wait file: {stderr}"
    );
    assert!(!marker.exists());
    assert!(err_file(&post).exists());
}

/// A file the wrapper writes after the command (`flag`'s value) lies below a
/// plain file: exit 1, no panic, and the error names the file.
fn assert_unwritable_output_is_named(flag: &str, leaf: &str) {
    let sb = Sandbox::new();
    let blocker = sb.write("plain-file", "");
    let bad = blocker.join(leaf);
    let out = sb
        .step()
        .flag(flag, &bad)
        .sh("true")
        .command()
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_no_panic(&out.get_output().stderr);
    assert!(
        stderr.contains(bad.to_str().unwrap()),
        "-{flag}: should name the file: {stderr}"
    );
}

#[test]
fn unwritable_post_file_is_an_error_naming_it() {
    assert_unwritable_output_is_named("post_file", "out");
}

#[test]
fn unwritable_termination_path_is_an_error_naming_it() {
    assert_unwritable_output_is_named("termination_path", "termination");
}

#[test]
fn malformed_existing_termination_message_does_not_panic() {
    let sb = Sandbox::new();
    let term = sb.write("termination", "this is not json");
    let out = sb.step().termination(&term).sh("true").command().assert();
    let o = out.get_output();
    assert_no_panic(&o.stderr);
    if o.status.success() {
        assert_started_at(&read_message(&term));
    } else {
        assert_eq!(o.status.code(), Some(1));
        assert_one_line_error(&o.stderr, &["termination"]);
    }
}

#[test]
fn empty_entrypoint_value_falls_back_to_platform_commands() {
    let sb = Sandbox::new();
    let cmds = serde_json::json!({ platform_key(): ["/bin/echo", "from-env"] });
    let post = sb.path("out");
    sb.step()
        .raw(["-entrypoint=", "-post_file", post.to_str().unwrap(), "--"])
        .env("TEKTON_PLATFORM_COMMANDS", cmds.to_string())
        .command()
        .assert()
        .success()
        .stdout("from-env\n");
}

#[test]
fn sigterm_while_waiting_ends_the_wrapper_without_running_the_command() {
    let sb = Sandbox::new();
    let marker = sb.marker();
    let mut child = sb
        .pod_step(1)
        .sh(&format!("touch {}", marker.display()))
        .spawn(&sb.path("stderr"));
    // Results dir exists once the wrapper is up and about to wait.
    wait_for_path(&sb.tekton("run/1/status/results"));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let st = wait_child(&mut child);
    assert!(
        !st.success(),
        "a terminated waiting step must not report success"
    );
    assert!(!marker.exists());
    assert!(!sb.post(1).exists());
}

// ---- usage and flag errors -------------------------------------------------

#[test]
fn unknown_flag_prints_usage_and_exits_2() {
    let sb = Sandbox::new();
    sb.step()
        .arg("-no_such_flag")
        .sh("true")
        .command()
        .assert()
        .code(2)
        .stderr(predicate::str::is_match("(?i)usage").unwrap());
}

#[test]
fn unknown_double_dash_flag_exits_2() {
    let sb = Sandbox::new();
    sb.step()
        .arg("--no_such_flag=1")
        .sh("true")
        .command()
        .assert()
        .code(2)
        .stderr(predicate::str::is_match("(?i)usage").unwrap());
}

#[test]
fn unknown_flag_does_not_run_the_command() {
    let sb = Sandbox::new();
    let marker = sb.path("marker");
    sb.step()
        .arg("-bogus")
        .sh(&format!("touch {}", marker.display()))
        .command()
        .assert()
        .code(2);
    assert!(!marker.exists());
}

#[test]
fn flag_missing_its_value_exits_2() {
    let sb = Sandbox::new();
    sb.invoke(["-entrypoint", "/bin/true", "-post_file"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("post_file"));
}

#[test]
fn help_flags_print_usage_and_exit_0() {
    for h in ["-h", "-help", "--help", "--h"] {
        let sb = Sandbox::new();
        let out = sb.invoke([h]).assert().code(0);
        let o = out.get_output();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            text.to_lowercase().contains("usage"),
            "{h}: no usage text: {text}"
        );
        assert!(text.contains("post_file"), "{h}: usage lacks flags: {text}");
    }
}
