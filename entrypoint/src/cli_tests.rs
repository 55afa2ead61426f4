use super::*;
use proptest::prelude::*;

fn no_env(_: &str) -> Option<String> {
    None
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

fn step(line: &str) -> StepConfig {
    match parse(&words(line), &no_env) {
        Ok(Invocation::Step(cfg)) => *cfg,
        other => panic!("{line}: {other:?}"),
    }
}

#[test]
fn controller_style_command_line() {
    let cfg = step(
        "-wait_file /tekton/run/0/out -post_file /tekton/run/1/out -termination_path /tekton/termination \
         -step_metadata_dir /tekton/run/1/status -on_error continue -timeout 1m30s -results a,b \
         -entrypoint sh -- -c echo",
    );
    assert_eq!(cfg.command, ["sh", "-c", "echo"]);
    assert_eq!(cfg.wait_files, [PathBuf::from("/tekton/run/0/out")]);
    assert_eq!(cfg.post_file, Some(PathBuf::from("/tekton/run/1/out")));
    assert_eq!(cfg.on_error, OnError::Continue);
    assert_eq!(cfg.timeout, Some(Duration::from_secs(90)));
    assert_eq!(cfg.results, ["a", "b"]);
    assert_eq!(
        cfg.step_metadata_dir,
        Some(PathBuf::from("/tekton/run/1/status"))
    );
}

#[test]
fn defaults_follow_the_root() {
    let cfg = step("-entrypoint true");
    assert_eq!(cfg.termination_path, PathBuf::from("/tekton/termination"));
    assert_eq!(cfg.timeout, None);
    let env = |name: &str| (name == crate::paths::ROOT_ENV).then(|| "/tmp/r".to_string());
    let Ok(Invocation::Step(cfg)) = parse(&words("-entrypoint true"), &env) else {
        panic!()
    };
    assert_eq!(cfg.termination_path, PathBuf::from("/tmp/r/termination"));
}

#[test]
fn platform_commands_when_no_entrypoint() {
    let env = |name: &str| {
        (name == platform::ENV)
            .then(|| format!(r#"{{"{}":["echo","from-env"]}}"#, platform::current()))
    };
    let Ok(Invocation::Step(cfg)) = parse(&words("-- x"), &env) else {
        panic!()
    };
    assert_eq!(cfg.command, ["echo", "from-env", "x"]);
    let err = parse(&words("-post_file p"), &no_env).unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(err.to_string().contains("-entrypoint is empty"), "{err}");
}

#[test]
fn errors_name_the_flag() {
    let cases = [
        ("-timeout 5 -entrypoint true", 2, "-timeout"),
        ("-timeout -1s -entrypoint true", 1, "negative"),
        ("-on_error maybe -entrypoint true", 1, "-on_error"),
        ("-result_from logs -entrypoint true", 1, "-result_from"),
        ("-nope", 2, "-nope"),
        ("-entrypoint", 2, "-entrypoint"),
        ("-entrypoint true stray", 2, "stray"),
    ];
    for (line, code, needle) in cases {
        let err = parse(&words(line), &no_env).unwrap_err();
        assert_eq!(err.exit_code(), code, "{line}: {err}");
        assert!(err.to_string().contains(needle), "{line}: {err}");
        assert_eq!(err.to_string().lines().count(), 1, "{line}: {err}");
    }
}

#[test]
fn subcommands_parse() {
    let sub = |line: &str| match parse(&words(line), &no_env) {
        Ok(Invocation::Subcommand(s)) => s,
        other => panic!("{line}: {other:?}"),
    };
    assert_eq!(
        sub("cp a b"),
        Subcommand::Cp {
            src: "a".into(),
            dst: "b".into()
        }
    );
    assert_eq!(
        sub("init a b step-x step-y"),
        Subcommand::Init {
            src: "a".into(),
            dst: "b".into(),
            steps: words("step-x step-y")
        }
    );
    assert_eq!(sub("step-init"), Subcommand::StepInit { steps: vec![] });
    assert_eq!(
        sub("decode-script /tekton/scripts/s"),
        Subcommand::DecodeScript {
            path: "/tekton/scripts/s".into()
        }
    );
    assert!(parse(&words("cp a"), &no_env).is_err());
    assert!(parse(&words("decode-script"), &no_env).is_err());
    assert_eq!(parse(&words("-help"), &no_env), Ok(Invocation::Help));
}

#[test]
fn last_value_wins_like_go() {
    let cfg = step("-post_file a -post_file b -entrypoint true");
    assert_eq!(cfg.post_file, Some(PathBuf::from("b")));
}

#[test]
fn usage_mentions_every_flag() {
    let text = usage();
    for name in flag_kinds(&Flags::command()).keys() {
        assert!(text.contains(&format!("--{name}")), "{name}");
    }
}

/// One flag written in one of Go's four spellings.
fn spell(name: &str, value: Option<&str>, style: u8) -> Vec<String> {
    let dashes = if style & 1 == 0 { "-" } else { "--" };
    match (value, style & 2 == 0) {
        (None, _) => vec![format!("{dashes}{name}")],
        (Some(v), true) => vec![format!("{dashes}{name}"), v.to_string()],
        (Some(v), false) => vec![format!("{dashes}{name}={v}")],
    }
}

proptest! {
    #[test]
    fn any_mix_of_go_spellings_parses_the_same(
        styles in proptest::collection::vec(0u8..4, 8),
        post in "[a-z/]{1,12}",
        timeout_ms in 1u32..100_000,
        content in any::<bool>(),
        continue_on_error in any::<bool>(),
    ) {
        let timeout = format!("{timeout_ms}ms");
        let on_error = if continue_on_error { "continue" } else { "stopAndFail" };
        let flags: Vec<(&str, Option<&str>)> = vec![
            ("post_file", Some(&post)),
            ("timeout", Some(&timeout)),
            ("on_error", Some(on_error)),
            ("wait_file", Some("a,b")),
            ("termination_path", Some("t")),
            ("entrypoint", Some("prog")),
        ];
        let mut args = Vec::new();
        for ((name, value), style) in flags.iter().zip(&styles) {
            args.extend(spell(name, *value, *style));
        }
        if content {
            // Booleans: bare, or with an explicit value after '='.
            args.extend(spell("wait_file_content", if styles[6] & 2 == 0 { None } else { Some("true") }, styles[6] | 2));
        }
        args.push("--".into());
        args.push("-x".into());
        let Ok(Invocation::Step(cfg)) = parse(&args, &no_env) else { panic!("{args:?}") };
        prop_assert_eq!(cfg.post_file, Some(PathBuf::from(&post)));
        prop_assert_eq!(cfg.timeout, Some(Duration::from_millis(u64::from(timeout_ms))));
        prop_assert_eq!(cfg.on_error, if continue_on_error { OnError::Continue } else { OnError::StopAndFail });
        prop_assert_eq!(cfg.wait_files, vec![PathBuf::from("a"), PathBuf::from("b")]);
        prop_assert_eq!(cfg.wait_file_content, content);
        prop_assert_eq!(cfg.command, vec!["prog".to_string(), "-x".to_string()]);
    }
}

proptest! {
    /// Bad input never panics: any argument list parses or gives a one-line error.
    #[test]
    fn arbitrary_arguments_never_panic(
        args in proptest::collection::vec(
            prop_oneof![
                "-{0,2}[a-z_]{0,20}(=.{0,8})?",
                ".{0,12}",
                Just("--".to_string()),
                Just("-timeout".to_string()),
                Just("-on_error".to_string()),
                Just("cp".to_string()),
            ],
            0..8,
        )
    ) {
        match parse(&args, &no_env) {
            Ok(_) => {}
            Err(e) => {
                prop_assert_eq!(e.to_string().lines().count(), 1, "{}", e);
                prop_assert!(matches!(e.exit_code(), 1 | 2));
            }
        }
    }
}
