//! Black-box tests of step-result substitution: `$(steps.<step>.results.<name>)`
//! in the command's arguments and environment, read from
//! `<root>/steps/step-<step>/results/<name>` before the command runs.

mod common;

use std::collections::BTreeMap;
use std::fs;

use common::*;
use proptest::prelude::*;

#[test]
fn string_result_is_substituted_inside_arguments() {
    let sb = Sandbox::new();
    sb.step_result("build", "tag", "v1.2.3");
    sb.step_result("build", "quoted", r#""json string""#);
    let args = sb.path("args");
    sb.pod_step(0)
        .record_args(
            &args,
            [
                "$(steps.build.results.tag)",
                "image:$(steps.build.results.tag)-$(steps.build.results.quoted)!",
                "untouched $(params.x) $(steps.build.exitCode.path) $(steps.build.results)",
            ],
        )
        .command()
        .assert()
        .success();
    assert_eq!(
        recorded_args(&args),
        [
            "v1.2.3",
            "image:v1.2.3-json string!",
            "untouched $(params.x) $(steps.build.exitCode.path) $(steps.build.results)"
        ]
    );
}

#[test]
fn whole_array_expands_into_several_arguments() {
    let sb = Sandbox::new();
    sb.step_result("list", "files", r#"["a b", "", "c\"d", "$(x)"]"#);
    sb.step_result("list", "none", "[]");
    let args = sb.path("args");
    sb.pod_step(0)
        .record_args(
            &args,
            [
                "first",
                "$(steps.list.results.files[*])",
                "mid",
                "$(steps.list.results.none[*])",
                "last",
            ],
        )
        .command()
        .assert()
        .success();
    assert_eq!(
        recorded_args(&args),
        ["first", "a b", "", "c\"d", "$(x)", "mid", "last"]
    );
}

#[test]
fn array_index_and_object_key_pick_one_value() {
    let sb = Sandbox::new();
    sb.step_result("s", "arr", r#"["zero","one","two"]"#);
    sb.step_result("s", "obj", r#"{"url":"https://x/y","digest":"sha256:1"}"#);
    let args = sb.path("args");
    sb.pod_step(0)
        .record_args(
            &args,
            [
                "$(steps.s.results.arr[2])",
                "$(steps.s.results.arr[0])/$(steps.s.results.obj.digest)",
                "$(steps.s.results.obj.url)",
            ],
        )
        .command()
        .assert()
        .success();
    assert_eq!(
        recorded_args(&args),
        ["two", "zero/sha256:1", "https://x/y"]
    );
}

#[test]
fn the_entrypoint_itself_is_substituted() {
    let sb = Sandbox::new();
    sb.step_result("s", "shell", "/bin/sh");
    sb.pod_step(0)
        .env("MARK", sb.marker())
        .run("$(steps.s.results.shell)", ["-c", r#"touch "$MARK""#])
        .command()
        .assert()
        .success();
    assert!(sb.marker().exists());
}

#[test]
fn environment_values_are_substituted() {
    let sb = Sandbox::new();
    sb.step_result("s", "str", "hello");
    sb.step_result("s", "arr", r#"["a","b"]"#);
    sb.step_result("s", "obj", r#"{"k":"v"}"#);
    let out = sb.path("env");
    sb.pod_step(0)
        .env("OUT", &out)
        .env("A", "$(steps.s.results.str) world")
        .env("B", "$(steps.s.results.arr[1])")
        .env("C", "$(steps.s.results.obj.k)")
        .env("D", "$(params.untouched)")
        .sh(r#"printf '%s|%s|%s|%s' "$A" "$B" "$C" "$D" > "$OUT""#)
        .command()
        .assert()
        .success();
    assert_eq!(
        fs::read_to_string(&out).unwrap(),
        "hello world|b|v|$(params.untouched)"
    );
}

#[test]
fn result_of_a_previous_step_flows_into_the_next_one() {
    let sb = Sandbox::new();
    // As the init container does: /tekton/steps/step-<name> -> /tekton/run/<i>/status.
    sb.invoke(["step-init", "step-produce", "step-consume"])
        .assert()
        .success();
    sb.pod_step(0)
        .flag("step_results", "greeting")
        .env("META", sb.meta(0))
        .sh(r#"printf '["hi","there"]' > "$META/results/greeting""#)
        .command()
        .assert()
        .success();
    let args = sb.path("args");
    sb.pod_step(1)
        .record_args(&args, ["$(steps.produce.results.greeting[*])"])
        .command()
        .assert()
        .success();
    assert_eq!(recorded_args(&args), ["hi", "there"]);
}

/// A bad reference: the step fails before the command runs (our documented
/// deviation: upstream logs and runs with the text left in place).
fn assert_reference_error(sb: &Sandbox, args: &[&str], env: Option<&str>, needles: &[&str]) {
    let mut step = sb.pod_step(0).env("MARK", sb.marker());
    if let Some(value) = env {
        step = step.env("REF", value);
    }
    let mut all = vec!["-c", r#"touch "$MARK""#, "sh"];
    all.extend_from_slice(args);
    let out = step.run("/bin/sh", all).command().assert().code(1);
    assert_one_line_error(&out.get_output().stderr, needles);
    assert!(!sb.marker().exists(), "{args:?}: the command must not run");
    assert!(err_file(&sb.post(0)).exists(), "{args:?}: .err");
    assert!(!sb.post(0).exists(), "{args:?}: no plain post file");
    assert_started_at(&read_message(&sb.pod_term(0)));
}

#[test]
fn malformed_references_are_errors() {
    for (arg, needle) in [
        ("$(steps.s.results.)", "malformed"),
        ("$(steps.s.outputs.x.results.y)", "malformed"),
        ("$(steps.s.results.a.b.c)", "malformed"),
        ("$(steps..results.a)", "$(steps..results.a)"),
        ("$(steps.s.results.arr[x])", "malformed"),
        ("$(steps.s.results.arr[1)", "malformed"),
        ("$(steps.s.results.arr[])", "malformed"),
        ("$(steps.s.results.bad name)", "malformed"),
        ("$(steps.s.results.arr[0].k)", "malformed"),
    ] {
        let sb = Sandbox::new();
        sb.step_result("s", "arr", r#"["a"]"#);
        assert_reference_error(&sb, &[arg], None, &[arg, needle]);
    }
}

#[test]
fn references_that_leave_the_results_dir_are_errors() {
    for arg in [
        "$(steps.x/../../etc.results.passwd)",
        "$(steps.s.results.../../secret)",
    ] {
        let sb = Sandbox::new();
        write_file(&sb.tekton("secret"), "SECRET");
        assert_reference_error(&sb, &[arg], None, &[arg, "must not contain"]);
    }
}

#[test]
fn out_of_range_index_is_an_error() {
    let sb = Sandbox::new();
    sb.step_result("s", "arr", r#"["a","b"]"#);
    let arg = "$(steps.s.results.arr[2])";
    assert_reference_error(
        &sb,
        &[arg],
        None,
        &[arg, "index 2 is out of range", "2 element"],
    );
}

#[test]
fn missing_object_key_is_an_error() {
    let sb = Sandbox::new();
    sb.step_result("s", "obj", r#"{"k":"v"}"#);
    let arg = "$(steps.s.results.obj.nope)";
    assert_reference_error(&sb, &[arg], None, &[arg, "no key `nope`"]);
}

#[test]
fn missing_result_file_is_an_error() {
    let sb = Sandbox::new();
    let arg = "$(steps.other.results.absent)";
    assert_reference_error(&sb, &[arg], None, &[arg, "cannot read"]);
}

#[test]
fn selector_that_does_not_fit_the_value_is_an_error() {
    for (content, arg) in [
        ("plain", "$(steps.s.results.r[0])"),
        ("plain", "$(steps.s.results.r[*])"),
        ("plain", "$(steps.s.results.r.k)"),
        (r#"["a"]"#, "$(steps.s.results.r)"),
        (r#"["a"]"#, "$(steps.s.results.r.k)"),
        (r#"{"k":"v"}"#, "$(steps.s.results.r)"),
        (r#"{"k":"v"}"#, "$(steps.s.results.r[0])"),
    ] {
        let sb = Sandbox::new();
        sb.step_result("s", "r", content);
        assert_reference_error(&sb, &[arg], None, &[arg, "but the result is"]);
    }
}

#[test]
fn whole_array_inside_a_larger_argument_or_env_is_an_error() {
    let sb = Sandbox::new();
    sb.step_result("s", "arr", r#"["a","b"]"#);
    let arg = "x=$(steps.s.results.arr[*])";
    assert_reference_error(
        &sb,
        &[arg],
        None,
        &["$(steps.s.results.arr[*])", "whole argument"],
    );
    let sb = Sandbox::new();
    sb.step_result("s", "arr", r#"["a","b"]"#);
    assert_reference_error(
        &sb,
        &[],
        Some("$(steps.s.results.arr[*])"),
        &["REF", "whole argument"],
    );
}

#[test]
fn bad_reference_in_the_environment_is_an_error() {
    let sb = Sandbox::new();
    assert_reference_error(
        &sb,
        &[],
        Some("$(steps.s.results.absent)"),
        &["REF", "$(steps.s.results.absent)"],
    );
}

/// A value of any kind, with the reference that reads it and what the
/// command must receive.
#[derive(Debug, Clone)]
enum Value {
    Str(String),
    Arr(Vec<String>, Option<usize>),
    Obj(BTreeMap<String, String>, String),
}

/// Any text an argument can carry (no NUL), including text that looks like
/// a reference: a substituted value is never substituted again.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[^\u{0}]{0,40}",
        Just("$(steps.s.results.v)".to_owned()),
        Just(" [\"quoted\"] ".to_owned()),
        Just("{\"a\":\"b\"}".to_owned()),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        text().prop_map(Value::Str),
        proptest::collection::vec(text(), 0..4)
            .prop_flat_map(|v| {
                let n = v.len();
                let index = if n == 0 {
                    Just(None).boxed()
                } else {
                    proptest::option::of(0..n).boxed()
                };
                (Just(v), index)
            })
            .prop_map(|(v, i)| Value::Arr(v, i)),
        proptest::collection::btree_map("[A-Za-z0-9_-]{1,8}", text(), 1..4)
            .prop_flat_map(|m| {
                let keys: Vec<String> = m.keys().cloned().collect();
                (Just(m), proptest::sample::select(keys))
            })
            .prop_map(|(m, k)| Value::Obj(m, k)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, .. ProptestConfig::default() })]

    /// String, array and object values written as JSON by a previous step reach
    /// the command exactly, as arguments and through the environment.
    #[test]
    fn substituted_values_round_trip(v in value()) {
        let sb = Sandbox::new();
        let (content, reference, expected, env_expected) = match &v {
            Value::Str(s) => (
                serde_json::to_string(s).unwrap(),
                "$(steps.p.results.r)".to_owned(),
                vec![s.clone()],
                Some(s.clone()),
            ),
            Value::Arr(items, None) => (
                serde_json::to_string(items).unwrap(),
                "$(steps.p.results.r[*])".to_owned(),
                items.clone(),
                None,
            ),
            Value::Arr(items, Some(i)) => (
                serde_json::to_string(items).unwrap(),
                format!("$(steps.p.results.r[{i}])"),
                vec![items[*i].clone()],
                Some(items[*i].clone()),
            ),
            Value::Obj(map, key) => (
                serde_json::to_string(map).unwrap(),
                format!("$(steps.p.results.r.{key})"),
                vec![map[key].clone()],
                Some(map[key].clone()),
            ),
        };
        sb.step_result("p", "r", &content);
        let args = sb.path("args");
        let env_out = sb.path("env");
        let mut step = sb.pod_step(0);
        if env_expected.is_some() {
            step = step.env("REF", &reference);
        }
        let out = step
            .env("ENV_OUT", &env_out)
            .run(
                "/bin/sh",
                [
                    "-c",
                    &format!(r#"printf '%s' "$REF" > "$ENV_OUT"; {RECORD_ARGS}"#),
                    "sh",
                    "before",
                    &reference,
                    "after",
                ],
            )
            .env("ARGS_OUT", &args)
            .command()
            .output()
            .expect("run entrypoint");
        prop_assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
        let mut want = vec!["before".to_owned()];
        want.extend(expected);
        want.push("after".to_owned());
        prop_assert_eq!(recorded_args(&args), want);
        if let Some(e) = env_expected {
            prop_assert_eq!(fs::read_to_string(&env_out).unwrap(), e);
        }
    }
}
