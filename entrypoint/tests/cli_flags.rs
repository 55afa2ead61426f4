//! Black-box tests of the command line: every upstream flag parses, the four
//! Go `flag` spellings, booleans, `--` and positional words. Usage and flag
//! errors are in cli_errors.rs.

mod common;

use common::*;
use predicates::prelude::*;
use std::fs;

/// A successful step with the given extra flags writes its post file.
fn assert_parses_and_succeeds(extra: &[&str]) {
    let sb = Sandbox::new();
    let post = sb.post(0);
    let mut step = sb.step().post_file(&post);
    for a in extra {
        step = step.arg(a);
    }
    step.sh("echo ran")
        .command()
        .assert()
        .success()
        .stdout(predicate::str::contains("ran"));
    assert!(post.exists(), "post file missing with flags {extra:?}");
    assert!(
        !err_file(&post).exists(),
        ".err written with flags {extra:?}"
    );
}

#[test]
fn flag_entrypoint_runs_command_with_args() {
    let sb = Sandbox::new();
    sb.step()
        .run("/bin/echo", ["hello", "world"])
        .command()
        .assert()
        .success()
        .stdout("hello world\n");
}

#[test]
fn flag_results_parses() {
    assert_parses_and_succeeds(&["-results", "foo,bar"]);
}

#[test]
fn flag_step_results_parses() {
    let sb = Sandbox::new();
    let post = sb.path("out");
    sb.step()
        .post_file(&post)
        .metadata(sb.meta(0))
        .flag("step_results", "foo,bar")
        .sh("true")
        .command()
        .assert()
        .success();
    assert!(post.exists());
}

#[test]
fn flag_when_expressions_parses_empty_list() {
    assert_parses_and_succeeds(&["-when_expressions", "[]"]);
}

#[test]
fn flag_when_expressions_parses_double_dash_as_controller_passes_it() {
    assert_parses_and_succeeds(&["--when_expressions", "[]"]);
}

#[test]
fn flag_breakpoint_on_failure_parses_bare_and_explicit() {
    assert_parses_and_succeeds(&["-breakpoint_on_failure"]);
    assert_parses_and_succeeds(&["-breakpoint_on_failure=true"]);
    assert_parses_and_succeeds(&["-breakpoint_on_failure=false"]);
}

#[test]
fn flag_debug_before_step_parses_and_runs_once_released() {
    // The release file is already there, so the step can run at once.
    let sb = Sandbox::new();
    let post = sb.post(0);
    write_file(&with_suffix(&post, ".beforestepexit"), "");
    sb.step()
        .post_file(&post)
        .switch("debug_before_step")
        .sh("echo ran")
        .command()
        .assert()
        .success()
        .stdout(predicate::str::contains("ran"));
    assert!(post.exists());
}

#[test]
fn flag_debug_before_step_false_parses() {
    assert_parses_and_succeeds(&["-debug_before_step=false"]);
}

#[test]
fn flag_result_from_parses_both_values() {
    assert_parses_and_succeeds(&["-result_from", "termination-message"]);
    assert_parses_and_succeeds(&["-result_from", "sidecar-logs"]);
}

#[test]
fn flag_compress_termination_message_parses() {
    assert_parses_and_succeeds(&["-compress_termination_message"]);
    assert_parses_and_succeeds(&["-compress_termination_message=false"]);
}

#[test]
fn flag_spire_socket_path_and_disabled_spire_parse() {
    assert_parses_and_succeeds(&[
        "-enable_spire=false",
        "-spire_socket_path",
        "unix:///nonexistent/spire-agent.sock",
    ]);
}

#[test]
fn flag_enable_spire_without_results_succeeds() {
    // Upstream signs only when there are task results, so with no -results no
    // SPIRE agent is contacted and the step succeeds.
    assert_parses_and_succeeds(&[
        "-enable_spire",
        "-spire_socket_path",
        "unix:///nonexistent/spire-agent.sock",
    ]);
}

#[test]
fn flag_stdout_stderr_paths_parse() {
    let sb = Sandbox::new();
    let out = sb.path("logs/out");
    let err = sb.path("logs/err");
    assert_parses_and_succeeds(&[
        "-stdout_path",
        out.to_str().unwrap(),
        "-stderr_path",
        err.to_str().unwrap(),
    ]);
}

#[test]
fn flag_on_error_and_timeout_parse() {
    assert_parses_and_succeeds(&["-on_error", "continue", "-timeout", "10s"]);
    assert_parses_and_succeeds(&["-on_error", "stopAndFail", "-timeout", "0"]);
}

#[test]
fn flag_wait_file_content_parses_bare() {
    let sb = Sandbox::new();
    let ready = sb.write("ready", "READY");
    assert_parses_and_succeeds(&["-wait_file", ready.to_str().unwrap(), "-wait_file_content"]);
}

#[test]
fn all_flags_together_as_the_controller_passes_them() {
    let sb = Sandbox::new();
    let prev = sb.post(0);
    write_file(&prev, "");
    let post = sb.post(1);
    sb.step()
        .arg("-wait_file")
        .arg(&prev)
        .arg("-post_file")
        .arg(&post)
        .arg("-step_metadata_dir")
        .arg(sb.meta(1))
        .arg("-on_error")
        .arg("stopAndFail")
        .arg("-timeout")
        .arg("1m")
        .arg("-stdout_path")
        .arg(sb.path("logs/stdout"))
        .arg("-stderr_path")
        .arg(sb.path("logs/stderr"))
        .arg("-step_results")
        .arg("sr")
        .arg("--when_expressions")
        .arg("[]")
        .arg("-results")
        .arg("r1,r2")
        .arg("-result_from")
        .arg("termination-message")
        .sh("echo all")
        .command()
        .assert()
        .success()
        .stdout(predicate::str::contains("all"));
    assert!(post.exists());
    assert_eq!(
        read_opt(&sb.tekton("run/1/status/exitCode")).as_deref(),
        Some("0")
    );
}

// ---- the four Go spellings -------------------------------------------------

/// Builds `name value` in one of Go's four spellings.
fn spell(kind: usize, name: &str, value: &str) -> Vec<String> {
    match kind {
        0 => vec![format!("-{name}"), value.to_string()],
        1 => vec![format!("-{name}={value}")],
        2 => vec![format!("--{name}"), value.to_string()],
        _ => vec![format!("--{name}={value}")],
    }
}

#[test]
fn four_go_spellings_configure_the_same_step() {
    // Every spelling on every flag, plus rotated mixes.
    for combo in 0..8usize {
        let sb = Sandbox::new();
        let post = sb.path("post/out");
        let term = sb.path("term/msg");
        let meta = sb.path("meta");
        let kinds = if combo < 4 {
            [combo, combo, combo, combo]
        } else {
            [combo % 4, (combo + 1) % 4, (combo + 2) % 4, (combo + 3) % 4]
        };
        let mut argv = Vec::new();
        argv.extend(spell(kinds[0], "post_file", post.to_str().unwrap()));
        argv.extend(spell(kinds[1], "termination_path", term.to_str().unwrap()));
        argv.extend(spell(kinds[2], "step_metadata_dir", meta.to_str().unwrap()));
        argv.extend(spell(kinds[3], "entrypoint", "/bin/sh"));
        argv.extend(["--".to_string(), "-c".to_string(), "exit 0".to_string()]);
        sb.invoke(&argv).assert().success();
        assert!(post.exists(), "post file missing for {argv:?}");
        assert_eq!(
            read_opt(&meta.join("exitCode")).as_deref(),
            Some("0"),
            "{argv:?}"
        );
        assert_started_at(&read_message(&term));
    }
}

#[test]
fn value_starting_with_dash_is_taken_as_the_value() {
    // Go takes the next word as the value of a non-boolean flag, even `-1s`:
    // so this is a negative timeout (an error), not an unknown flag.
    let sb = Sandbox::new();
    let post = sb.path("out");
    sb.step()
        .post_file(&post)
        .arg("-timeout")
        .arg("-1s")
        .sh("true")
        .command()
        .assert()
        .code(1);
    assert!(err_file(&post).exists());
}

#[test]
fn repeated_flag_last_value_wins() {
    let sb = Sandbox::new();
    let first = sb.path("first");
    let second = sb.path("second");
    sb.step()
        .post_file(&first)
        .post_file(&second)
        .sh("true")
        .command()
        .assert()
        .success();
    assert!(second.exists());
    assert!(!first.exists());
}

// ---- booleans ------------------------------------------------------------

#[test]
fn bare_boolean_wait_file_content_waits_for_content() {
    let sb = Sandbox::new();
    let ready = sb.write("ready", "");
    let step = sb.step().wait_file(&ready).switch("wait_file_content");
    sb.assert_waits_then_succeeds(step, "empty wait file with bare -wait_file_content", || {
        fs::write(&ready, "READY").unwrap()
    });
}

#[test]
fn explicit_true_boolean_waits_for_content() {
    let sb = Sandbox::new();
    let ready = sb.write("ready", "");
    let step = sb.step().wait_file(&ready).arg("--wait_file_content=true");
    sb.assert_waits_then_succeeds(
        step,
        "empty wait file with --wait_file_content=true",
        || fs::write(&ready, "x").unwrap(),
    );
}

#[test]
fn explicit_false_boolean_does_not_wait_for_content() {
    let sb = Sandbox::new();
    let ready = sb.write("ready", "");
    sb.assert_succeeds_and_posts(
        sb.step()
            .wait_file(&ready)
            .switch("wait_file_content=false"),
    );
}

#[test]
fn invalid_boolean_value_is_a_flag_error() {
    let sb = Sandbox::new();
    sb.step()
        .arg("-wait_file_content=maybe")
        .sh("true")
        .command()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("wait_file_content"));
}

// ---- `--` and positional words -------------------------------------------

#[test]
fn double_dash_ends_flags() {
    let sb = Sandbox::new();
    let decoy = sb.path("decoy");
    sb.step()
        .run(
            "/bin/echo",
            ["-post_file", decoy.to_str().unwrap(), "--", "x"],
        )
        .command()
        .assert()
        .success()
        .stdout(format!("-post_file {} -- x\n", decoy.display()));
    assert!(!decoy.exists(), "a word after -- was parsed as a flag");
}

#[test]
fn double_dash_with_no_args_runs_entrypoint_alone() {
    let sb = Sandbox::new();
    sb.invoke(["-entrypoint", "/bin/echo", "--"])
        .assert()
        .success()
        .stdout("\n");
}

#[test]
fn first_positional_word_ends_flags() {
    // `step-init` is the first positional word: the words after it are its
    // arguments (link names), never flags, even when they start with a dash.
    let sb = Sandbox::new();
    fs::create_dir_all(sb.tekton("steps")).unwrap();
    sb.invoke(["step-init", "step-a", "-post_file"])
        .assert()
        .success();
    assert!(fs::symlink_metadata(sb.tekton("steps/step-a")).is_ok());
    assert!(fs::symlink_metadata(sb.tekton("steps/-post_file")).is_ok());
    assert!(fs::symlink_metadata(sb.tekton("steps/1")).is_ok());
}

#[test]
fn positional_words_before_double_dash_are_not_command_args() {
    // Upstream passes only the words after `--` to the command; a stray
    // positional word is either ignored (upstream) or a usage error, but never
    // handed to the command.
    let sb = Sandbox::new();
    let out = sb
        .invoke(["-entrypoint", "/bin/echo", "stray", "words"])
        .assert();
    let o = out.get_output();
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("stray"),
        "positional words reached the command: {o:?}"
    );
    assert!(matches!(o.status.code(), Some(0) | Some(2)), "{o:?}");
}
