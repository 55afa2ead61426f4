use super::*;
use proptest::prelude::*;

fn steps() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let results = dir.path().join("step-check").join("results");
    std::fs::create_dir_all(&results).expect("mkdir");
    std::fs::write(results.join("hit"), "true").expect("write");
    std::fs::write(results.join("list"), r#"["a","b"]"#).expect("write");
    dir
}

fn eval(json: &str, dir: &Path) -> Result<bool, WhenError> {
    evaluate(&parse(json)?, dir)
}

#[test]
fn parses_both_kinds() {
    let got = parse(r#"[{"input":"a","operator":"notin","values":["b"]},{"cel":"true"},{"input":"","operator":"in","values":[""],"x":1}]"#)
        .expect("parse");
    assert_eq!(
        got,
        vec![
            WhenExpression::Match {
                input: "a".into(),
                operator: Operator::NotIn,
                values: vec!["b".into()]
            },
            WhenExpression::Cel("true".into()),
            WhenExpression::Match {
                input: String::new(),
                operator: Operator::In,
                values: vec![String::new()]
            },
        ]
    );
    for empty in ["", "  ", "null", "[]"] {
        assert_eq!(parse(empty).expect(empty), vec![]);
    }
}

#[test]
fn rejects_bad_json_and_bad_expressions() {
    for bad in ["{", "{}", r#"[{"input":1}]"#, r#"["x"]"#] {
        assert!(matches!(parse(bad), Err(WhenError::Json(_))), "{bad}");
    }
    for bad in [
        r#"[{}]"#,
        r#"[{"cel":"true","input":"a"}]"#,
        r#"[{"input":"a","operator":"In","values":["a"]}]"#,
        r#"[{"input":"a","operator":"in"}]"#,
        r#"[{"input":"a","values":["a"]}]"#,
    ] {
        let err = parse(bad).expect_err(bad);
        assert!(
            matches!(err, WhenError::Invalid { index: 0, .. }),
            "{bad}: {err}"
        );
    }
}

#[test]
fn operators_with_step_results() {
    let dir = steps();
    let p = dir.path();
    assert!(eval(
        r#"[{"input":"$(steps.check.results.hit)","operator":"in","values":["true"]}]"#,
        p
    )
    .expect("ok"));
    assert!(!eval(
        r#"[{"input":"$(steps.check.results.hit)","operator":"notin","values":["true"]}]"#,
        p
    )
    .expect("ok"));
    assert!(eval(
        r#"[{"input":"b","operator":"in","values":["$(steps.check.results.list[*])"]}]"#,
        p
    )
    .expect("ok"));
    assert!(eval(
        r#"[{"input":"$(steps.check.results.list[0])","operator":"in","values":["a"]}]"#,
        p
    )
    .expect("ok"));
    assert!(eval("[]", p).expect("ok"));
    let err = eval(
        r#"[{"input":"$(steps.gone.results.x)","operator":"in","values":["a"]}]"#,
        p,
    )
    .unwrap_err();
    assert!(
        matches!(err, WhenError::Substitute { index: 0, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("step-gone"), "{err}");
}

#[test]
fn every_expression_is_checked_even_after_a_false_one() {
    let dir = steps();
    let json = r#"[{"input":"a","operator":"in","values":["b"]},{"input":"$(steps.x.results.y[*])","operator":"in","values":["a"]}]"#;
    assert!(matches!(
        eval(json, dir.path()),
        Err(WhenError::Substitute { index: 1, .. })
    ));
}

#[cfg(feature = "cel")]
#[test]
fn cel_expressions() {
    let dir = steps();
    let p = dir.path();
    let cel = |e: &str| eval(&serde_json::json!([{ "cel": e }]).to_string(), p);
    assert!(!cel("'monday'=='friday'").expect("ok"));
    assert!(cel("'$(steps.check.results.hit)' == 'true' && size('abc') == 3").expect("ok"));
    assert!(cel("'b' in ['$(steps.check.results.list[0])', 'b']").expect("ok"));
    assert!(cel("[1, 2].exists(x, x == 2) && 'abc'.startsWith('a')").expect("ok"));
    assert!(matches!(cel("1 + 1"), Err(WhenError::CelNotBool { ref found, .. }) if found == "int"));
    assert!(matches!(cel("'x'"), Err(WhenError::CelNotBool { .. })));
    assert!(matches!(cel("1 +"), Err(WhenError::CelCompile { .. })));
    assert!(matches!(
        cel("'unterminated"),
        Err(WhenError::CelCompile { .. })
    ));
    assert!(matches!(cel("foo == 1"), Err(WhenError::CelEval { .. })));
    assert!(matches!(cel("1 / 0 == 1"), Err(WhenError::CelEval { .. })));
    for err in [
        cel("1 +").unwrap_err(),
        cel("1").unwrap_err(),
        cel("x").unwrap_err(),
    ] {
        assert!(!err.to_string().contains('\n'), "{err}");
        assert!(
            err.to_string()
                .starts_with("when expression #0: CEL expression `"),
            "{err}"
        );
    }
}

#[cfg(feature = "cel")]
#[test]
fn hostile_cel_is_an_error_not_a_crash() {
    use cel_eval::{MAX_NESTING, MAX_OPERATORS};
    let dir = steps();
    let p = dir.path();
    let cel = |e: String| evaluate(&[WhenExpression::Cel(e)], p);
    let depth = usize::from(MAX_NESTING);
    // At the limits: still evaluated (in a debug build, on the guarded stack).
    let chain = "1+".repeat(MAX_OPERATORS - 2 * (depth - 2) - 1);
    let inner = format!(
        "{}{chain}1{} > 0",
        "(".repeat(depth - 2),
        ")".repeat(depth - 2)
    );
    assert!(cel(inner).expect("within limits"));
    let n = MAX_OPERATORS - 10;
    for shape in [
        format!("x{}", ".y".repeat(n / 2)),
        format!("{}true", "!".repeat(n)),
        format!("{}1 == 1", "-".repeat(n)),
        format!("[1{}].size() > 0", ",1".repeat(n)),
        format!("{}true", "true && ".repeat(n / 2)),
        format!("{}true", "false || ".repeat(n / 2)),
        format!("{}1", "false ? 1 : ".repeat(n / 2)),
        format!("{}'a' == 'a'", "'a' + ".repeat(n)),
        format!(
            "{}[1]{}.size() == 1",
            "[".repeat(depth - 1),
            "]".repeat(depth - 1)
        ),
        format!(
            "{}1{} == 1",
            "size([".repeat(depth / 2),
            "])".repeat(depth / 2)
        ),
    ] {
        let _ = cel(shape); // an answer or an error, never a crash
    }
    let err = cel(format!("{}\n1", "1 + ".repeat(200))).expect_err("an int, not a bool");
    let shown = err.to_string();
    assert!(
        shown.chars().count() < 250 && !shown.contains('\n'),
        "{shown}"
    );
    // Past them: errors.
    for deep in [
        format!("{}true{}", "(".repeat(10_000), ")".repeat(10_000)),
        format!("{}1]", "[".repeat(5_000)),
    ] {
        assert!(matches!(cel(deep), Err(WhenError::CelCompile { .. })));
    }
    let long = format!("{}1 > 0", "1+".repeat(MAX_OPERATORS));
    assert!(matches!(cel(long), Err(WhenError::CelCompile { .. })));
    // Operators inside string literals do not count.
    let quoted = format!("'{}' != ''", "+(".repeat(5_000));
    assert!(cel(quoted).expect("string literal"));
}

#[cfg(not(feature = "cel"))]
#[test]
fn cel_needs_the_feature() {
    let dir = steps();
    let err = eval(r#"[{"cel":"true"}]"#, dir.path()).unwrap_err();
    assert!(matches!(err, WhenError::CelUnsupported { .. }));
    assert!(
        err.to_string().contains("built without CEL support"),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn parse_never_panics(s in ".{0,200}") {
        let _ = parse(&s);
    }

    #[test]
    fn cel_never_panics(s in "[a-z0-9 '\"().,+*/%<>=!&|?:\\[\\]{}-]{0,60}") {
        let dir = tempfile::tempdir().expect("tempdir");
        let _ = evaluate(&[WhenExpression::Cel(s)], dir.path());
    }
}
