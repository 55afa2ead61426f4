use super::*;
use proptest::prelude::*;
use tempfile::TempDir;

fn steps_with(results: &[(&str, &str, &[u8])]) -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (step, name, content) in results {
        let d = dir.path().join(format!("step-{step}")).join("results");
        std::fs::create_dir_all(&d).expect("mkdir");
        std::fs::write(d.join(name), content).expect("write");
    }
    dir
}

fn sample() -> TempDir {
    steps_with(&[
        ("s1", "str", b"hello world"),
        ("s1", "quoted", b"\"a \\\"q\\\"\"\n"),
        ("s1", "arr", br#"["a","b c",null]"#),
        ("s1", "obj", br#"{"k":"v","e":""}"#),
        ("s1", "empty-arr", b"[]"),
        ("s1", "ints", b"[1,2]"),
        ("s1", "nl", b"line\n"),
    ])
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn result_values_are_typed_like_upstream() {
    use ResultValue as V;
    assert_eq!(V::parse(b""), Some(V::String(String::new())));
    assert_eq!(V::parse(b"plain"), Some(V::String("plain".into())));
    assert_eq!(V::parse(b"\"json\""), Some(V::String("json".into())));
    assert_eq!(V::parse(b"null"), Some(V::String(String::new())));
    assert_eq!(V::parse(b"42"), Some(V::String("42".into())));
    assert_eq!(V::parse(b"[\"x\",null]"), Some(V::Array(strs(&["x", ""]))));
    assert_eq!(V::parse(b"[1,2]"), Some(V::String("[1,2]".into())));
    assert_eq!(V::parse(b" [\"x\"]"), Some(V::String(" [\"x\"]".into())));
    assert_eq!(
        V::parse(br#"{"a":{"b":"c"}}"#),
        Some(V::String(r#"{"a":{"b":"c"}}"#.into()))
    );
    let obj = V::parse(br#"{"a":"1","a":"2"}"#);
    assert_eq!(
        obj,
        Some(V::Object([("a".to_string(), "2".to_string())].into()))
    );
    assert_eq!(V::parse(&[0xff, 0xfe]), None);
}

#[test]
fn references_parse() {
    let r = Reference::parse("$(steps.s-1.results.r_2[10])").expect("parse");
    assert_eq!((r.step.as_str(), r.result.as_str()), ("s-1", "r_2"));
    assert_eq!(r.selector, Selector::Index(10));
    assert_eq!(
        Reference::parse("$(steps.a.results.b[*])")
            .expect("parse")
            .selector,
        Selector::Star
    );
    assert_eq!(
        Reference::parse("$(steps.a.results.b.k)")
            .expect("parse")
            .selector,
        Selector::Key("k".into())
    );
    assert_eq!(
        Reference::parse("$(steps.a.results.b)")
            .expect("parse")
            .selector,
        Selector::Whole
    );
}

#[test]
fn malformed_references_are_errors() {
    for bad in [
        "$(steps.a.results)",
        "$(steps.a.results.)",
        "$(steps.a.b.results.c)",
        "$(steps.a.results.b.c.d)",
        "$(steps.a.results.b[])",
        "$(steps.a.results.b[x])",
        "$(steps.a.results.b[-1])",
        "$(steps.a.results.b[1]x)",
        "$(steps.a.results.b[0].k)",
        "$(steps.a.results.b[99999999999999999999999])",
        "$(steps.a b.results.c)",
        "$(tasks.a.results.b)",
    ] {
        let err = Reference::parse(bad).expect_err(bad);
        assert!(
            matches!(err, SubstituteError::Malformed { .. }),
            "{bad}: {err}"
        );
        assert!(!err.to_string().contains('\n'));
    }
}

#[test]
fn unsafe_names_are_refused() {
    for bad in [
        "$(steps.a/b.results.c)",
        "$(steps.a.results.c/d)",
        "$(steps.a.results.\0)",
        "$(steps..results.b)",
    ] {
        let err = Reference::parse(bad).expect_err(bad);
        assert!(
            matches!(err, SubstituteError::UnsafeName { .. }),
            "{bad}: {err}"
        );
    }
    let dir = sample();
    let err = substitute_str("$(steps.s1.results.x/../../etc)", dir.path()).unwrap_err();
    assert!(matches!(err, SubstituteError::UnsafeName { .. }), "{err}");
}

#[test]
fn strings_substitute_in_place() {
    let dir = sample();
    let p = dir.path();
    assert_eq!(
        substitute_str("say $(steps.s1.results.str)!", p).expect("ok"),
        "say hello world!"
    );
    assert_eq!(
        substitute_str("$(steps.s1.results.quoted)", p).expect("ok"),
        "a \"q\""
    );
    assert_eq!(
        substitute_str("$(steps.s1.results.nl)", p).expect("ok"),
        "line\n"
    );
    assert_eq!(
        substitute_str("$(steps.s1.results.ints)", p).expect("ok"),
        "[1,2]"
    );
    assert_eq!(
        substitute_str(
            "$(steps.s1.results.arr[1])-$(steps.s1.results.obj.k)$(steps.s1.results.arr[2])",
            p
        )
        .expect("ok"),
        "b c-v"
    );
    assert_eq!(
        substitute_str("no refs $(params.x) $(steps.a.exitCode.path)", p).expect("ok"),
        "no refs $(params.x) $(steps.a.exitCode.path)"
    );
    assert_eq!(
        substitute_str("$(steps.unclosed", p).expect("ok"),
        "$(steps.unclosed"
    );
}

#[test]
fn arrays_expand_only_as_whole_args() {
    let dir = sample();
    let p = dir.path();
    let args = strs(&[
        "x",
        "$(steps.s1.results.arr[*])",
        "$(steps.s1.results.empty-arr[*])",
        "y",
    ]);
    assert_eq!(
        substitute_args(&args, p).expect("ok"),
        strs(&["x", "a", "b c", "", "y"])
    );
    for bad in [
        "pre-$(steps.s1.results.arr[*])",
        "$(steps.s1.results.arr[*]) ",
    ] {
        let err = substitute_args(&strs(&[bad]), p).unwrap_err();
        assert!(
            matches!(err, SubstituteError::StarNotAlone { .. }),
            "{bad}: {err}"
        );
    }
    let err = substitute_str("$(steps.s1.results.arr[*])", p).unwrap_err();
    assert!(matches!(err, SubstituteError::StarNotAlone { .. }), "{err}");
}

#[test]
fn selector_errors() {
    let dir = sample();
    let p = dir.path();
    let check = |s: &str| substitute_args(&strs(&[s]), p).unwrap_err();
    assert!(matches!(
        check("$(steps.s1.results.arr[3])"),
        SubstituteError::IndexOutOfRange {
            index: 3,
            len: 3,
            ..
        }
    ));
    assert!(matches!(
        check("$(steps.s1.results.obj.nope)"),
        SubstituteError::MissingKey { .. }
    ));
    assert!(matches!(
        check("$(steps.s1.results.arr)"),
        SubstituteError::WrongType {
            found: "an array",
            ..
        }
    ));
    assert!(matches!(
        check("$(steps.s1.results.obj)"),
        SubstituteError::WrongType {
            found: "an object",
            ..
        }
    ));
    assert!(matches!(
        check("$(steps.s1.results.str[0])"),
        SubstituteError::WrongType {
            found: "a string",
            ..
        }
    ));
    assert!(matches!(
        check("$(steps.s1.results.str[*])"),
        SubstituteError::WrongType { .. }
    ));
    assert!(matches!(
        check("$(steps.s1.results.arr.k)"),
        SubstituteError::WrongType { .. }
    ));
    let err = check("$(steps.s2.results.missing)");
    assert!(matches!(err, SubstituteError::Read { .. }), "{err}");
    assert!(err.to_string().contains("step-s2/results/missing"), "{err}");
}

#[test]
fn non_utf8_plain_result_is_an_error() {
    let dir = steps_with(&[("s", "bin", &[0x80, 0x81])]);
    let err = substitute_str("$(steps.s.results.bin)", dir.path()).unwrap_err();
    assert!(matches!(err, SubstituteError::NotUtf8 { .. }), "{err}");
}

fn write_result(dir: &Path, name: &str, content: &[u8]) {
    let d = dir.join("step-p").join("results");
    std::fs::create_dir_all(&d).expect("mkdir");
    std::fs::write(d.join(name), content).expect("write");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn string_values_round_trip(value in any::<String>()) {
        let dir = tempfile::tempdir().expect("tempdir");
        let json = serde_json::to_vec(&value).expect("json");
        write_result(dir.path(), "s", &json);
        prop_assert_eq!(substitute_str("$(steps.p.results.s)", dir.path()).expect("ok"), value.clone());
        let wrapped = substitute_args(&strs(&["<$(steps.p.results.s)>"]), dir.path()).expect("ok");
        prop_assert_eq!(wrapped, vec![format!("<{value}>")]);
    }

    #[test]
    fn array_values_round_trip(items in proptest::collection::vec(any::<String>(), 0..8)) {
        let dir = tempfile::tempdir().expect("tempdir");
        write_result(dir.path(), "a", &serde_json::to_vec(&items).expect("json"));
        let got = substitute_args(&strs(&["-", "$(steps.p.results.a[*])", "+"]), dir.path()).expect("ok");
        prop_assert_eq!(&got[1..got.len() - 1], &items[..]);
        for (i, item) in items.iter().enumerate() {
            let one = substitute_str(&format!("$(steps.p.results.a[{i}])"), dir.path()).expect("ok");
            prop_assert_eq!(&one, item);
        }
    }

    #[test]
    fn object_values_round_trip(map in proptest::collection::btree_map("[A-Za-z0-9_-]{1,8}", any::<String>(), 0..6)) {
        let dir = tempfile::tempdir().expect("tempdir");
        write_result(dir.path(), "o", &serde_json::to_vec(&map).expect("json"));
        for (k, v) in &map {
            let got = substitute_str(&format!("$(steps.p.results.o.{k})"), dir.path()).expect("ok");
            prop_assert_eq!(&got, v);
        }
    }

    #[test]
    fn never_panics(s in ".{0,80}", content in proptest::collection::vec(any::<u8>(), 0..40)) {
        let dir = tempfile::tempdir().expect("tempdir");
        write_result(dir.path(), "r", &content);
        let _ = substitute_str(&s, dir.path());
        let _ = substitute_args(&[s.clone(), format!("$(steps.p.results.{s})")], dir.path());
        let _ = ResultValue::parse(&content);
    }
}
