use super::*;
use proptest::prelude::*;

fn entry(key: &str, value: &str, kind: ResultType) -> Entry {
    Entry {
        key: key.into(),
        value: value.into(),
        kind,
    }
}

#[test]
fn encodes_like_go() {
    let e = [entry("url", "a<b>&c\u{2028}", ResultType::TaskRun)];
    assert_eq!(
        encode(&e),
        r#"[{"key":"url","value":"a\u003cb\u003e\u0026c\u2028","type":1}]"#
    );
}

#[test]
fn reads_numbers_and_legacy_names() {
    let msg = r#"[{"key":"a","value":"1","type":1},{"key":"b","value":"2","type":"InternalTektonResult"},
                 {"key":"c","value":"3","type":"TaskRunResult"},{"key":"d","value":"4","type":"Weird"}]"#;
    let kinds: Vec<_> = parse(msg).unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            ResultType::TaskRun,
            ResultType::Internal,
            ResultType::TaskRun,
            ResultType::Unknown(10)
        ]
    );
}

#[test]
fn append_merges_and_replaces_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("termination");
    append(&path, &[Entry::internal("StartedAt", "t")], false).unwrap();
    append(&path, &[entry("r", "v", ResultType::TaskRun)], false).unwrap();
    let got = parse(&fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        got,
        [
            Entry::internal("StartedAt", "t"),
            entry("r", "v", ResultType::TaskRun)
        ]
    );
    fs::write(&path, "not json").unwrap();
    append(&path, &[Entry::internal("Reason", "Skipped")], false).unwrap();
    assert_eq!(
        parse(&fs::read_to_string(&path).unwrap()).unwrap(),
        [Entry::internal("Reason", "Skipped")]
    );
}

#[test]
fn too_large_is_upstreams_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("termination");
    let big = "x".repeat(MAX_MESSAGE_LEN);
    let err = append(&path, &[entry("r", &big, ResultType::TaskRun)], false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Termination message is above max allowed size 4096, caused by large task result."
    );
    assert!(!path.exists());
}

#[test]
fn compressed_messages_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("termination");
    let value = "abc".repeat(2000); // 6000 bytes: too large plain, small compressed
    append(&path, &[entry("r", &value, ResultType::TaskRun)], true).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("tknz:"), "{text}");
    append(&path, &[Entry::internal("StartedAt", "t")], true).unwrap();
    let got = parse(&fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        got,
        [
            entry("r", &value, ResultType::TaskRun),
            Entry::internal("StartedAt", "t")
        ]
    );
}

fn arb_entry() -> impl Strategy<Value = Entry> {
    (
        "[a-zA-Z0-9.-]{1,20}",
        ".{0,300}",
        prop_oneof![
            Just(ResultType::TaskRun),
            Just(ResultType::Internal),
            Just(ResultType::Step)
        ],
    )
        .prop_map(|(key, value, kind)| Entry { key, value, kind })
}

proptest! {
    #[test]
    fn merging_never_loses_entries_nor_exceeds_the_limit(
        batches in proptest::collection::vec(proptest::collection::vec(arb_entry(), 0..6), 1..6),
        compress_message in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("termination");
        let mut expected: Vec<Entry> = Vec::new();
        for batch in &batches {
            match append(&path, batch, compress_message) {
                Ok(()) => expected.extend(batch.iter().cloned()),
                Err(TerminationError::TooLarge) => {}
                Err(e) => return Err(TestCaseError::fail(e.to_string())),
            }
            if path.exists() {
                let text = fs::read_to_string(&path).unwrap();
                prop_assert!(text.len() <= MAX_MESSAGE_LEN);
                prop_assert_eq!(parse(&text).unwrap(), expected.clone());
            }
        }
    }
}
