//! Black-box tests of `-when_expressions`: `in`/`notin` and CEL decide whether
//! the step runs; a false expression skips it as a success, a broken one fails it.

mod common;

use std::fs;

use common::*;

/// Runs a step with `-when_expressions json` whose command touches the marker.
fn when_step(sb: &Sandbox, json: &str) -> Step {
    sb.pod_step(0)
        .flag("when_expressions", json)
        .env("MARK", sb.marker())
        .sh(r#"touch "$MARK""#)
}

/// A true expression: the command runs and the step succeeds normally.
fn assert_runs(json: &str) {
    let sb = Sandbox::new();
    when_step(&sb, json).command().assert().success();
    assert!(sb.marker().exists(), "{json}: the command must run");
    assert!(sb.post(0).exists(), "{json}: post file");
    let msg = read_message(&sb.pod_term(0));
    assert_started_at(&msg);
    assert_no_entry(&msg, "Reason");
}

/// A false expression: skipped as a success, `Reason=Skipped`, command not run.
fn assert_skipped(json: &str) {
    let sb = Sandbox::new();
    when_step(&sb, json).command().assert().success();
    assert!(!sb.marker().exists(), "{json}: the command must not run");
    assert!(sb.post(0).exists(), "{json}: plain post file");
    assert!(!err_file(&sb.post(0)).exists(), "{json}: no .err");
    assert_eq!(
        fs::read_to_string(sb.meta(0).join("exitCode")).unwrap(),
        "0",
        "{json}: exitCode"
    );
    let msg = read_message(&sb.pod_term(0));
    assert_started_at(&msg);
    assert_entry(&msg, "Reason", "Skipped", 3);
}

/// A broken expression: exit 1, one clear line, `.err`, command not run.
fn assert_when_error(json: &str, needles: &[&str]) {
    let sb = Sandbox::new();
    let out = when_step(&sb, json).command().assert().code(1);
    assert_one_line_error(&out.get_output().stderr, needles);
    assert!(!sb.marker().exists(), "{json}: the command must not run");
    assert!(err_file(&sb.post(0)).exists(), "{json}: .err");
    assert!(!sb.post(0).exists(), "{json}: no plain post file");
}

#[test]
fn in_and_notin_that_hold_run_the_step() {
    assert_runs(r#"[{"input":"main","operator":"in","values":["dev","main"]}]"#);
    assert_runs(r#"[{"input":"main","operator":"notin","values":["dev"]}]"#);
    assert_runs(
        r#"[{"input":"a","operator":"in","values":["a"]},{"input":"b","operator":"notin","values":["a"]}]"#,
    );
}

#[test]
fn in_and_notin_that_fail_skip_the_step() {
    assert_skipped(r#"[{"input":"main","operator":"in","values":["dev"]}]"#);
    assert_skipped(r#"[{"input":"main","operator":"notin","values":["main","dev"]}]"#);
    // Every expression must hold.
    assert_skipped(
        r#"[{"input":"a","operator":"in","values":["a"]},{"input":"a","operator":"notin","values":["a"]}]"#,
    );
}

#[test]
fn empty_list_runs_the_step() {
    assert_runs("[]");
}

#[test]
fn cel_true_runs_and_cel_false_skips() {
    assert_runs(r#"[{"cel":"'main' == 'main'"}]"#);
    assert_runs(r#"[{"cel":"1 + 2 == 3 && 'a' in ['a', 'b']"}]"#);
    assert_skipped(r#"[{"cel":"'main' != 'main'"}]"#);
    assert_skipped(r#"[{"cel":"false"}]"#);
    assert_skipped(r#"[{"cel":"true"},{"input":"x","operator":"in","values":["y"]}]"#);
}

#[test]
fn cel_that_does_not_compile_is_an_error() {
    assert_when_error(r#"[{"cel":"1 +"}]"#, &["1 +", "does not compile"]);
    assert_when_error(r#"[{"cel":"'unterminated"}]"#, &["does not compile"]);
}

#[test]
fn cel_that_is_not_boolean_is_an_error() {
    assert_when_error(r#"[{"cel":"1 + 2"}]"#, &["1 + 2", "not a boolean"]);
    assert_when_error(r#"[{"cel":"'yes'"}]"#, &["not a boolean"]);
}

#[test]
fn broken_cel_fails_even_after_a_false_expression() {
    assert_when_error(
        r#"[{"input":"a","operator":"in","values":["b"]},{"cel":"1 +"}]"#,
        &["does not compile"],
    );
}

#[test]
fn cel_that_cannot_evaluate_is_an_error() {
    assert_when_error(r#"[{"cel":"undeclared == 'x'"}]"#, &["undeclared"]);
}

#[test]
fn invalid_expressions_are_errors() {
    assert_when_error("not json", &["-when_expressions"]);
    assert_when_error(
        r#"[{"input":"a","operator":"equals","values":["a"]}]"#,
        &["equals"],
    );
    assert_when_error(
        r#"[{"input":"a","operator":"in","values":[]}]"#,
        &["values"],
    );
    assert_when_error(
        r#"[{"cel":"true","input":"a","operator":"in","values":["a"]}]"#,
        &["cel"],
    );
}

#[test]
fn step_results_are_substituted_in_inputs_values_and_cel() {
    let sb = Sandbox::new();
    sb.step_result("check", "branch", "main");
    sb.step_result("check", "allowed", r#"["dev","main"]"#);
    sb.step_result("check", "obj", r#"{"env":"prod"}"#);
    let json = r#"[
        {"input":"$(steps.check.results.branch)","operator":"in","values":["$(steps.check.results.allowed[*])"]},
        {"input":"prod","operator":"in","values":["$(steps.check.results.obj.env)"]},
        {"cel":"'$(steps.check.results.allowed[1])' == 'main'"}
    ]"#;
    when_step(&sb, json).command().assert().success();
    assert!(sb.marker().exists(), "all three hold: the step runs");

    let sb2 = Sandbox::new();
    sb2.step_result("check", "branch", "feature");
    sb2.step_result("check", "allowed", r#"["dev","main"]"#);
    when_step(
        &sb2,
        r#"[{"input":"$(steps.check.results.branch)","operator":"in","values":["$(steps.check.results.allowed[*])"]}]"#,
    )
    .command()
    .assert()
    .success();
    assert!(!sb2.marker().exists(), "feature is not allowed: skipped");
    assert_entry(&read_message(&sb2.pod_term(0)), "Reason", "Skipped", 3);
}

#[test]
fn bad_step_result_reference_in_a_when_expression_is_an_error() {
    assert_when_error(
        r#"[{"input":"$(steps.s.results.absent)","operator":"in","values":["x"]}]"#,
        &["$(steps.s.results.absent)"],
    );
}
