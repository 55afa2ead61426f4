//! Black-box tests of the termination message: format, default (relocated)
//! path, merging with existing content, the 4096-byte limit, and result entries.

mod common;

use common::*;
use predicates::prelude::*;
use serde_json::Value;

#[test]
fn message_is_json_array_with_numeric_types() {
    let sb = Sandbox::new();
    let term = sb.term();
    sb.step().sh("true").command().assert().success();
    let text = read_opt(&term).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let arr = v.as_array().expect("array");
    assert!(!arr.is_empty());
    for e in arr {
        let obj = e.as_object().expect("object entries");
        assert!(obj["key"].is_string(), "{text}");
        assert!(obj["value"].is_string(), "{text}");
        assert!(obj["type"].is_u64(), "type must be a number: {text}");
    }
    assert_started_at(&read_message(&term));
}

#[test]
fn default_termination_path_is_under_the_relocated_root() {
    let sb = Sandbox::new();
    let post = sb.path("out");
    // No -termination_path: the relocated default <root>/termination is used.
    Step::new(&sb.root())
        .post_file(&post)
        .sh("true")
        .command()
        .assert()
        .success();
    assert_started_at(&read_message(&sb.tekton("termination")));
}

#[test]
fn termination_parents_are_created_or_error_names_file() {
    // Either the parent is created or the error names the file; never a panic.
    let sb = Sandbox::new();
    let term = sb.path("no/such/dir/termination");
    let out = sb.step().termination(&term).sh("true").command().assert();
    let o = out.get_output();
    if o.status.success() {
        assert_started_at(&read_message(&term));
    } else {
        assert_eq!(o.status.code(), Some(1));
        assert_one_line_error(&o.stderr, &["termination"]);
    }
}

#[test]
fn existing_entries_are_kept_and_new_ones_appended() {
    let sb = Sandbox::new();
    let term = sb.write(
        "termination",
        r#"[{"key":"earlier","value":"from-before","type":1}]"#,
    );
    sb.step()
        .termination(&term)
        .on_error("continue")
        .sh("exit 2")
        .command()
        .assert()
        .success();
    let entries = read_message(&term);
    assert_eq!(
        entries[0].key, "earlier",
        "existing entry must stay first: {entries:?}"
    );
    assert_entry(&entries, "earlier", "from-before", 1);
    assert_entry(&entries, "ExitCode", "2", 3);
    assert_started_at(&entries);
}

#[test]
fn existing_entries_with_string_type_names_are_understood() {
    let sb = Sandbox::new();
    let term = sb.write(
        "termination",
        r#"[{"key":"old","value":"v","type":"TaskRunResult"}]"#,
    );
    sb.step()
        .termination(&term)
        .sh("true")
        .command()
        .assert()
        .success();
    let entries = read_message(&term);
    let old = entry(&entries, "old");
    assert_eq!(old.value, "v");
    assert!(
        old.ty == 1u64 || old.ty == "TaskRunResult",
        "type of a merged TaskRunResult: {:?}",
        old.ty
    );
    assert_started_at(&entries);
}

#[test]
fn two_runs_on_one_file_accumulate_entries() {
    let sb = Sandbox::new();
    let term = sb.term();
    for _ in 0..2 {
        sb.step()
            .termination(&term)
            .sh("true")
            .command()
            .assert()
            .success();
    }
    let started = read_message(&term)
        .into_iter()
        .filter(|e| e.key == "StartedAt")
        .count();
    assert_eq!(started, 2);
}

#[test]
fn message_over_4096_bytes_is_the_upstream_error() {
    let sb = Sandbox::new();
    let big = "x".repeat(4200);
    let term = sb.write(
        "termination",
        &format!(r#"[{{"key":"big","value":"{big}","type":1}}]"#),
    );
    sb.step()
        .termination(&term)
        .sh("true")
        .command()
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "Termination message is above max allowed size 4096, caused by large task result.",
        ));
}

#[test]
fn never_writes_more_than_4096_bytes() {
    let sb = Sandbox::new();
    let term = sb.term();
    let res = sb.tekton("results/huge");
    write_file(&res, &"y".repeat(5000));
    sb.step()
        .termination(&term)
        .flag("results", "huge")
        .sh("true")
        .command()
        .assert()
        .code(1)
        .stderr(predicate::str::contains("above max allowed size 4096"));
    let len = std::fs::metadata(&term).map(|m| m.len()).unwrap_or(0);
    assert!(len <= 4096, "termination file is {len} bytes");
}

#[test]
fn task_results_are_added_with_type_1_and_missing_ones_skipped() {
    let sb = Sandbox::new();
    let term = sb.term();
    write_file(&sb.tekton("results/digest"), "sha256:abc");
    write_file(&sb.tekton("results/url"), "https://example.invalid/x");
    sb.step()
        .termination(&term)
        .flag("results", "digest,missing,url")
        .sh("true")
        .command()
        .assert()
        .success();
    let entries = read_message(&term);
    assert_entry(&entries, "digest", "sha256:abc", 1);
    assert_entry(&entries, "url", "https://example.invalid/x", 1);
    assert_no_entry(&entries, "missing");
}

#[test]
fn results_written_by_the_command_are_read_after_it_runs() {
    let sb = Sandbox::new();
    let term = sb.term();
    let res = sb.tekton("results/answer");
    std::fs::create_dir_all(res.parent().unwrap()).unwrap();
    sb.step()
        .termination(&term)
        .flag("results", "answer")
        .sh(&format!("printf 42 > {}", res.display()))
        .command()
        .assert()
        .success();
    assert_entry(&read_message(&term), "answer", "42", 1);
}

#[test]
fn step_results_are_added_with_type_4() {
    let sb = Sandbox::new();
    let term = sb.term();
    let meta = sb.meta(0);
    sb.step()
        .termination(&term)
        .metadata(&meta)
        .flag("step_results", "img")
        .sh(&format!(
            "printf registry/img > {}/results/img",
            meta.display()
        ))
        .command()
        .assert()
        .success();
    assert_entry(&read_message(&term), "img", "registry/img", 4);
}

#[test]
fn failed_step_still_records_started_at() {
    let sb = Sandbox::new();
    let term = sb.term();
    sb.step()
        .termination(&term)
        .sh("exit 3")
        .command()
        .assert()
        .code(3);
    assert_started_at(&read_message(&term));
}
