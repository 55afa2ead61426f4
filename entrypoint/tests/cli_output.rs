//! Black-box tests of the stdout/stderr copies (`-stdout_path`,
//! `-stderr_path`): pass-through, append, parents created, one shared file.

mod common;

use common::*;
use predicates::prelude::*;
use std::fs;

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

#[test]
fn a_failing_copy_is_reported_but_keeps_the_commands_outcome() {
    // /dev/full accepts the open and fails every write (ENOSPC).
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("skipped: /dev/full is not available here");
        return;
    }
    let sb = Sandbox::new();
    let post = sb.post(0);
    sb.step()
        .post_file(&post)
        .flag("stdout_path", "/dev/full")
        .sh("echo still-passed-through")
        .command()
        .assert()
        .success()
        .stdout("still-passed-through\n")
        .stderr(predicate::str::contains("copying output to /dev/full"));
    assert!(post.exists());
}
