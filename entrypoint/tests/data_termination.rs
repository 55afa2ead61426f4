//! Black-box tests of the termination message as a data carrier:
//! `-compress_termination_message` (and its interoperability with Python's
//! `zlib`), reading what is already in the file, and the 4096-byte limit for
//! arbitrary result sets.

mod common;

use std::fs;

use common::*;
use predicates::prelude::*;
use proptest::prelude::*;

/// Inflates a `tknz:` message on stdin with Python's raw DEFLATE (`wbits=-15`).
const PY_INFLATE: &str = r#"
import base64, sys, zlib
msg = sys.stdin.read()
assert msg.startswith("tknz:"), msg[:40]
payload = msg[5:]
assert "=" not in payload, "no padding expected"
raw = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
d = zlib.decompressobj(wbits=-15)
out = d.decompress(raw) + d.flush()
assert d.eof and d.unused_data == b"", "one complete raw DEFLATE stream"
sys.stdout.write(out.decode("utf-8"))
"#;

/// Compresses stdin as upstream would (raw DEFLATE, unpadded base64).
const PY_DEFLATE: &str = r#"
import base64, sys, zlib
c = zlib.compressobj(9, zlib.DEFLATED, -15)
raw = c.compress(sys.stdin.read().encode("utf-8")) + c.flush()
sys.stdout.write("tknz:" + base64.b64encode(raw).decode("ascii").rstrip("="))
"#;

/// Writes `n` repetitive task results of `len` bytes each and returns their names.
fn repetitive_results(sb: &Sandbox, n: usize, len: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let name = format!("result-{i}");
            let value: String = "sha256:0123456789abcdef "
                .chars()
                .cycle()
                .take(len)
                .collect();
            write_file(&sb.task_result_path(&name), &value);
            name
        })
        .collect()
}

#[test]
fn short_message_stays_plain_json_when_compression_is_on() {
    let sb = Sandbox::new();
    sb.pod_step(0)
        .switch("compress_termination_message")
        .sh("true")
        .command()
        .assert()
        .success();
    let text = fs::read_to_string(sb.pod_term(0)).unwrap();
    assert!(text.starts_with('['), "short messages stay JSON: {text}");
    assert_started_at(&parse_message(&text));
}

#[test]
fn long_message_is_tknz_and_shorter_than_the_json() {
    let sb = Sandbox::new();
    let names = repetitive_results(&sb, 6, 300);
    sb.pod_step(0)
        .switch("compress_termination_message")
        .flag("results", names.join(","))
        .sh("true")
        .command()
        .assert()
        .success();
    let text = fs::read_to_string(sb.pod_term(0)).unwrap();
    assert!(text.starts_with("tknz:"), "{text}");
    let json = decode_message(&text);
    assert!(text.len() < json.len(), "compressed form must be shorter");
    let msg = parse_message(&json);
    assert_started_at(&msg);
    for name in &names {
        assert_eq!(entries(&msg, name).len(), 1, "{name}: {msg:?}");
    }
}

#[test]
fn python_zlib_inflates_our_compressed_message() {
    let sb = Sandbox::new();
    let names = repetitive_results(&sb, 4, 400);
    sb.pod_step(0)
        .switch("compress_termination_message=true")
        .flag("results", names.join(","))
        .sh("true")
        .command()
        .assert()
        .success();
    let text = fs::read_to_string(sb.pod_term(0)).unwrap();
    let Some(json) = python(PY_INFLATE, &[], &text) else {
        return;
    };
    let msg = parse_message(&json);
    assert_started_at(&msg);
    assert_eq!(entries(&msg, "result-3")[0].value.len(), 400, "{msg:?}");
}

#[test]
fn existing_message_compressed_by_python_is_read_and_merged() {
    let sb = Sandbox::new();
    let earlier = format!(
        r#"[{{"key":"from-python","value":"{}","type":1}}]"#,
        "earlier step ".repeat(30)
    );
    let Some(compressed) = python(PY_DEFLATE, &[], &earlier) else {
        return;
    };
    assert!(compressed.starts_with("tknz:"));
    for compress in [false, true] {
        write_file(&sb.pod_term(0), &compressed);
        let mut step = sb.pod_step(0);
        if compress {
            step = step.switch("compress_termination_message");
        }
        step.sh("true").command().assert().success();
        let msg = read_any_message(&sb.pod_term(0));
        assert_entry(&msg, "from-python", &"earlier step ".repeat(30), 1);
        assert_started_at(&msg);
    }
}

#[test]
fn legacy_string_types_in_an_existing_message_are_understood() {
    let sb = Sandbox::new();
    write_file(
        &sb.pod_term(0),
        r#"[{"key":"old","value":"v","type":"TaskRunResult"},{"key":"s","value":"w","type":"StepResult"}]"#,
    );
    sb.pod_step(0).sh("true").command().assert().success();
    let msg = read_message(&sb.pod_term(0));
    assert_entry(&msg, "old", "v", 1);
    assert_entry(&msg, "s", "w", 4);
    assert_started_at(&msg);
}

#[test]
fn compression_lets_results_over_4096_json_bytes_fit() {
    let sb = Sandbox::new();
    let names = repetitive_results(&sb, 8, 700);
    sb.pod_step(0)
        .flag("results", names.join(","))
        .sh("true")
        .command()
        .assert()
        .code(1)
        .stderr(predicate::str::contains(TOO_LARGE));
    sb.pod_step(0)
        .switch("compress_termination_message")
        .flag("results", names.join(","))
        .sh("true")
        .command()
        .assert()
        .success();
    let text = fs::read_to_string(sb.pod_term(0)).unwrap();
    assert!(text.len() <= 4096);
    assert!(decode_message(&text).len() > 4096);
    // The failed first run left its StartedAt (as upstream); this run appends.
    assert_eq!(parse_message(&decode_message(&text)).len(), 2 + names.len());
}

#[test]
fn incompressible_results_over_the_limit_fail_with_upstream_error() {
    let sb = Sandbox::new();
    // A pseudo-random, incompressible value (xorshift over a base64 alphabet).
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let value: String = (0..6000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(alphabet[(x % 64) as usize])
        })
        .collect();
    write_file(&sb.task_result_path("noise"), &value);
    sb.pod_step(0)
        .switch("compress_termination_message")
        .flag("results", "noise")
        .sh("true")
        .command()
        .assert()
        .code(1)
        .stderr(predicate::str::contains(TOO_LARGE));
    // As upstream: no result is written, the step's own entries are.
    let msg = parse_message(&fs::read_to_string(sb.pod_term(0)).expect("message written"));
    assert_eq!(msg.len(), 1, "only StartedAt: {msg:?}");
}

/// The length Go's `json.Marshal` gives the message `[StartedAt, results...]`:
/// serde_json's length plus Go's extra escapes (`<`, `>`, `&` as `\u00XX`,
/// U+2028/U+2029 as `\u2028`/`\u2029`).
fn go_json_len(results: &[(String, String)]) -> usize {
    let mut all = vec![serde_json::json!({
        "key": "StartedAt", "value": "2024-01-01T00:00:00.000Z", "type": 3
    })];
    for (k, v) in results {
        all.push(serde_json::json!({ "key": k, "value": v, "type": 1 }));
    }
    let json = serde_json::to_string(&all).expect("serialise");
    let extra: usize = json
        .chars()
        .map(|c| match c {
            '<' | '>' | '&' => 5,
            '\u{2028}' | '\u{2029}' => 3,
            _ => 0,
        })
        .sum();
    json.len() + extra
}

/// Result values: any text without NUL, weighted towards sizes near the limit
/// and towards characters whose JSON encoding grows.
fn value_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[^\u{0}]{0,64}",
        "[a-z<>&\"\\\\\n\u{2028}é✓]{0,1500}",
        (0usize..3000, "[ -~]").prop_map(|(n, c)| c.repeat(n)),
    ]
}

fn result_set() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::btree_map("[a-z][a-z0-9-]{0,7}", value_strategy(), 0..6)
        .prop_map(|m| m.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, .. ProptestConfig::default() })]

    /// A result set either fits in 4096 bytes, exactly as Go would size it, and
    /// comes back intact, or fails with upstream's error and writes nothing.
    #[test]
    fn result_sets_fit_or_fail_with_the_upstream_error(results in result_set()) {
        let sb = Sandbox::new();
        for (k, v) in &results {
            write_file(&sb.task_result_path(k), v);
        }
        let names: Vec<&str> = results.iter().map(|(k, _)| k.as_str()).collect();
        let out = sb
            .pod_step(0)
            .flag("results", names.join(","))
            .sh("true")
            .command()
            .output()
            .expect("run entrypoint");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if go_json_len(&results) <= 4096 {
            prop_assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr);
            let text = fs::read_to_string(sb.pod_term(0)).expect("message written");
            prop_assert_eq!(text.len(), go_json_len(&results), "Go-identical size");
            let msg = parse_message(&text);
            prop_assert_eq!(msg.len(), results.len() + 1);
            for (k, v) in &results {
                prop_assert_eq!(&entries(&msg, k)[0].value, v);
            }
        } else {
            prop_assert_eq!(out.status.code(), Some(1));
            prop_assert!(stderr.contains(TOO_LARGE), "stderr: {}", stderr);
            // As upstream: no result is written, the step's own entries are.
            let msg = parse_message(&fs::read_to_string(sb.pod_term(0)).expect("message written"));
            prop_assert_eq!(msg.len(), 1, "only StartedAt");
            prop_assert_eq!(msg[0].key.as_str(), "StartedAt");
        }
    }

    /// With compression, the outcome is the same dichotomy: a complete,
    /// decodable message of at most 4096 bytes, or the upstream error.
    #[test]
    fn compressed_result_sets_fit_or_fail_with_the_upstream_error(results in result_set()) {
        let sb = Sandbox::new();
        for (k, v) in &results {
            write_file(&sb.task_result_path(k), v);
        }
        let names: Vec<&str> = results.iter().map(|(k, _)| k.as_str()).collect();
        let out = sb
            .pod_step(0)
            .switch("compress_termination_message")
            .flag("results", names.join(","))
            .sh("true")
            .command()
            .output()
            .expect("run entrypoint");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.success() {
            let text = fs::read_to_string(sb.pod_term(0)).expect("message written");
            prop_assert!(text.len() <= 4096);
            prop_assert_eq!(text.starts_with("tknz:"), text.len() < go_json_len(&results));
            let msg = parse_message(&decode_message(&text));
            for (k, v) in &results {
                prop_assert_eq!(&entries(&msg, k)[0].value, v);
            }
        } else {
            prop_assert!(go_json_len(&results) > 4096, "only oversized sets may fail: {}", stderr);
            prop_assert_eq!(out.status.code(), Some(1));
            prop_assert!(stderr.contains(TOO_LARGE), "stderr: {}", stderr);
            // As upstream: no result is written, the step's own entries are.
            let msg = parse_message(&fs::read_to_string(sb.pod_term(0)).expect("message written"));
            prop_assert_eq!(msg.len(), 1, "only StartedAt");
            prop_assert_eq!(msg[0].key.as_str(), "StartedAt");
        }
    }
}
