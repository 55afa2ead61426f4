//! Black-box tests of `-results`, `-step_results`, artifacts and
//! `-result_from`: what a step reports back in its termination message.

mod common;

use std::fs;

use common::*;
use predicates::prelude::*;

#[test]
fn task_results_are_type_1_verbatim_and_missing_ones_skipped() {
    let sb = Sandbox::new();
    write_file(&sb.task_result_path("digest"), "sha256:abc");
    write_file(&sb.task_result_path("multi"), "line 1\nline <2> & \"3\"\n");
    sb.pod_step(0)
        .flag("results", "digest,absent,multi")
        .sh("true")
        .command()
        .assert()
        .success();
    let msg = read_message(&sb.pod_term(0));
    assert_started_at(&msg);
    assert_entry(&msg, "digest", "sha256:abc", 1);
    assert_entry(&msg, "multi", "line 1\nline <2> & \"3\"\n", 1);
    assert_no_entry(&msg, "absent");
    // Go's encoder escapes <, > and & inside strings; we must match its bytes.
    let raw = fs::read_to_string(sb.pod_term(0)).unwrap();
    assert!(raw.contains(r"line \u003c2\u003e \u0026"), "{raw}");
    assert!(sb.post(0).exists());
}

#[test]
fn results_are_read_after_the_command_wrote_them() {
    let sb = Sandbox::new();
    sb.pod_step(0)
        .flag("results", "made")
        .env("RESULTS", sb.tekton("results"))
        .sh(r#"mkdir -p "$RESULTS" && printf 'by the command' > "$RESULTS/made""#)
        .command()
        .assert()
        .success();
    assert_entry(&read_message(&sb.pod_term(0)), "made", "by the command", 1);
}

#[test]
fn step_results_are_type_4_from_the_metadata_dir() {
    let sb = Sandbox::new();
    // Same name as a task result: each must come from its own directory.
    write_file(&sb.task_result_path("digest"), "task value");
    sb.pod_step(0)
        .flag("results", "digest")
        .flag("step_results", "digest,absent")
        .env("META", sb.meta(0))
        .sh(r#"printf 'step value' > "$META/results/digest""#)
        .command()
        .assert()
        .success();
    let msg = read_message(&sb.pod_term(0));
    let digests = entries(&msg, "digest");
    assert_eq!(digests.len(), 2, "{msg:?}");
    assert!(digests.iter().any(|e| e.value == "task value" && e.ty == 1));
    assert!(digests.iter().any(|e| e.value == "step value" && e.ty == 4));
    assert_no_entry(&msg, "absent");
}

#[test]
fn failed_step_still_reports_its_results() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    sb.pod_step(0)
        .flag("results", "task")
        .flag("step_results", "step")
        .env("RESULTS", sb.tekton("results"))
        .env("META", sb.meta(0))
        .sh(r#"mkdir -p "$RESULTS"; printf t > "$RESULTS/task"; printf s > "$META/results/step"; exit 3"#)
        .command()
        .assert()
        .code(3);
    assert!(err_file(&post).exists());
    assert!(!post.exists());
    let msg = read_message(&sb.pod_term(0));
    assert_started_at(&msg);
    assert_entry(&msg, "task", "t", 1);
    assert_entry(&msg, "step", "s", 4);
}

#[test]
fn continued_failure_reports_results_and_exit_code() {
    let sb = Sandbox::new();
    write_file(&sb.task_result_path("r"), "v");
    sb.pod_step(0)
        .on_error("continue")
        .flag("results", "r")
        .sh("exit 4")
        .command()
        .assert()
        .success();
    let msg = read_message(&sb.pod_term(0));
    assert_entry(&msg, "ExitCode", "4", 3);
    assert_entry(&msg, "r", "v", 1);
    assert!(sb.post(0).exists());
}

/// Names that would read outside the results directory.
const BAD_NAMES: [&str; 4] = ["../secret", "a/b", "..", "x/../../secret"];

#[test]
fn bad_result_names_are_a_clear_error_and_nothing_outside_is_read() {
    for flag in ["results", "step_results"] {
        for bad in BAD_NAMES {
            let sb = Sandbox::new();
            // Files the bad names would reach if they were followed.
            write_file(&sb.tekton("secret"), "SECRET");
            write_file(&sb.tekton("run/0/secret"), "SECRET");
            write_file(&sb.task_result_path("a/b"), "SECRET");
            write_file(&sb.meta(0).join("results/a/b"), "SECRET");
            let out = sb
                .pod_step(0)
                .flag(flag, format!("ok,{bad}"))
                .sh("true")
                .command()
                .assert()
                .code(1);
            let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
            assert!(
                stderr.contains(bad) && stderr.contains("result name"),
                "-{flag} {bad:?}: stderr must name the bad result: {stderr:?}"
            );
            if let Ok(text) = fs::read_to_string(sb.pod_term(0)) {
                assert!(!text.contains("SECRET"), "-{flag} {bad:?}: {text}");
            }
        }
    }
}

/// Our compatibility rule: invalid input always leaves `<post_file>.err`, so
/// the next step skips instead of running after a step that exited 1.
#[test]
fn bad_result_name_leaves_err_post_file() {
    let sb = Sandbox::new();
    sb.pod_step(0)
        .flag("results", "../secret")
        .sh("true")
        .command()
        .assert()
        .code(1);
    assert!(
        err_file(&sb.post(0)).exists(),
        "a step that exits 1 on a bad -results name must write <post_file>.err"
    );
    assert!(
        !sb.post(0).exists(),
        "the plain post file lets the next step run"
    );
}

/// The message `[StartedAt, r=<n bytes>]` is `fixed + n` bytes long.
fn message_len_with_value_of(n: usize) -> usize {
    let started = r#"{"key":"StartedAt","value":"2024-01-01T00:00:00.000Z","type":3}"#;
    let result = r#"{"key":"r","value":"","type":1}"#;
    format!("[{started},{result}]").len() + n
}

#[test]
fn message_of_exactly_4096_bytes_is_accepted() {
    let sb = Sandbox::new();
    let n = 4096 - message_len_with_value_of(0);
    write_file(&sb.task_result_path("r"), &"x".repeat(n));
    sb.pod_step(0)
        .flag("results", "r")
        .sh("true")
        .command()
        .assert()
        .success();
    assert_eq!(fs::metadata(sb.pod_term(0)).unwrap().len(), 4096);
    assert_entry(&read_message(&sb.pod_term(0)), "r", &"x".repeat(n), 1);
}

#[test]
fn message_one_byte_over_4096_fails_with_upstream_error() {
    let sb = Sandbox::new();
    let n = 4097 - message_len_with_value_of(0);
    write_file(&sb.task_result_path("r"), &"x".repeat(n));
    sb.pod_step(0)
        .flag("results", "r")
        .sh("true")
        .command()
        .assert()
        .code(1)
        .stderr(predicate::str::contains(TOO_LARGE));
    // As upstream v1.0.0 (conformance compat, results-overflow-4096): the
    // results are left out, the step's own entries are still written.
    let message = read_message(&sb.pod_term(0));
    assert_started_at(&message);
    assert_eq!(message.len(), 1, "only StartedAt: {message:?}");
    // The post file reflects the command's own outcome (docs/compatibility.md).
    assert!(sb.post(0).exists());
}

#[test]
fn oversized_results_after_a_failed_command_exit_1() {
    let sb = Sandbox::new();
    write_file(&sb.task_result_path("big"), &"y".repeat(5000));
    sb.pod_step(0)
        .flag("results", "big")
        .sh("exit 3")
        .command()
        .assert()
        .code(1)
        .stderr(predicate::str::contains(TOO_LARGE));
    assert!(err_file(&sb.post(0)).exists());
    let message = read_message(&sb.pod_term(0));
    assert_started_at(&message);
    assert_eq!(message.len(), 1, "only StartedAt: {message:?}");
}

#[test]
fn oversized_results_keep_existing_content_and_add_only_own_entries() {
    let sb = Sandbox::new();
    let before = r#"[{"key":"earlier","value":"kept","type":1}]"#;
    write_file(&sb.pod_term(0), before);
    write_file(&sb.meta(0).join("results/big"), &"z".repeat(4100));
    sb.pod_step(0)
        .flag("step_results", "big")
        .sh("true")
        .command()
        .assert()
        .code(1)
        .stderr(predicate::str::contains(TOO_LARGE));
    // Existing entries are kept, the step's own appended, the results left out.
    let after = fs::read_to_string(sb.pod_term(0)).unwrap();
    assert!(after.starts_with(&before[..before.len() - 1]), "{after}");
    assert!(
        after.contains("StartedAt") && !after.contains("zzzz"),
        "{after}"
    );
}

#[test]
fn artifacts_are_type_5_and_6_keyed_by_their_path() {
    let sb = Sandbox::new();
    let step_doc =
        r#"{"outputs":[{"name":"image","values":[{"uri":"pkg:oci/x","digest":{"sha256":"ab"}}]}]}"#;
    let task_doc = r#"{"inputs":[{"name":"src","values":[{"uri":"git:x"}]}]}"#;
    let task_file = sb.tekton("artifacts/provenance.json");
    write_file(&task_file, task_doc);
    let step_file = sb.meta(0).join("artifacts/provenance.json");
    sb.pod_step(0)
        .env("DOC", step_doc)
        .env("META", sb.meta(0))
        .sh(r#"printf '%s' "$DOC" > "$META/artifacts/provenance.json""#)
        .command()
        .assert()
        .success();
    let msg = read_message(&sb.pod_term(0));
    assert_entry(&msg, step_file.to_str().unwrap(), step_doc, 5);
    assert_entry(&msg, task_file.to_str().unwrap(), task_doc, 6);
}

#[test]
fn no_artifact_entries_without_provenance_files() {
    let sb = Sandbox::new();
    sb.pod_step(0).sh("true").command().assert().success();
    let msg = read_message(&sb.pod_term(0));
    assert!(
        msg.iter().all(|e| e.ty != 5 && e.ty != 6),
        "no artifacts expected: {msg:?}"
    );
}

/// Upstream reads `/tekton/artifacts/provenance.json` whatever
/// `-step_metadata_dir` is; the task's artifacts do not live in the step's dir.
#[test]
fn task_artifacts_are_reported_without_step_metadata_dir() {
    let sb = Sandbox::new();
    let task_file = sb.tekton("artifacts/provenance.json");
    write_file(&task_file, r#"{"outputs":[]}"#);
    sb.step()
        .post_file(sb.post(0))
        .sh("true")
        .command()
        .assert()
        .success();
    assert_entry(
        &read_message(&sb.term()),
        task_file.to_str().unwrap(),
        r#"{"outputs":[]}"#,
        6,
    );
}

#[test]
fn sidecar_logs_keeps_results_out_of_the_message() {
    let sb = Sandbox::new();
    write_file(&sb.task_result_path("r"), "task");
    write_file(&sb.meta(0).join("results/s"), "step");
    sb.pod_step(0)
        .flag("result_from", "sidecar-logs")
        .flag("results", "r")
        .flag("step_results", "s")
        .sh("true")
        .command()
        .assert()
        .success();
    let msg = read_message(&sb.pod_term(0));
    assert_started_at(&msg);
    assert_no_entry(&msg, "r");
    assert_no_entry(&msg, "s");
    // They stay on disk for the results sidecar to read.
    assert_eq!(
        fs::read_to_string(sb.task_result_path("r")).unwrap(),
        "task"
    );
    assert_eq!(
        fs::read_to_string(sb.meta(0).join("results/s")).unwrap(),
        "step"
    );
}

#[test]
fn sidecar_logs_does_not_apply_the_message_limit_to_results() {
    let sb = Sandbox::new();
    write_file(&sb.task_result_path("big"), &"b".repeat(10_000));
    sb.pod_step(0)
        .flag("result_from", "sidecar-logs")
        .flag("results", "big")
        .sh("true")
        .command()
        .assert()
        .success();
    assert_no_entry(&read_message(&sb.pod_term(0)), "big");
}

#[test]
fn explicit_termination_message_result_from_reports_results() {
    let sb = Sandbox::new();
    write_file(&sb.task_result_path("r"), "v");
    sb.pod_step(0)
        .flag("result_from", "termination-message")
        .flag("results", "r")
        .sh("true")
        .command()
        .assert()
        .success();
    assert_entry(&read_message(&sb.pod_term(0)), "r", "v", 1);
}
