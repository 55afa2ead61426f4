//! The compressed termination message against another DEFLATE implementation:
//! Python's `zlib` (raw streams, `wbits=-15`) must read what we write, and we
//! must read what it writes.

mod common;

use common::python;
use entrypoint::compress::{decode, encode, PREFIX};

/// A termination message like the ones we write, `n` results long.
fn message(n: usize) -> String {
    let mut entries =
        vec![r#"{"key":"StartedAt","value":"2024-05-01T10:00:00.123Z","type":3}"#.to_owned()];
    for i in 0..n {
        entries.push(format!(
            r#"{{"key":"result-{i}","value":"value {i} — ünïcödé ✓ {}","type":1}}"#,
            "x".repeat(i % 17)
        ));
    }
    format!("[{}]", entries.join(","))
}

const PY_INFLATE: &str = r#"
import base64, sys, zlib
msg = sys.stdin.read()
assert msg.startswith("tknz:"), msg[:20]
payload = msg[len("tknz:"):]
assert "=" not in payload, "padding must not be written"
raw = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
d = zlib.decompressobj(wbits=-15)
out = d.decompress(raw) + d.flush()
assert d.eof, "stream must be complete"
assert d.unused_data == b"", "no trailing bytes"
sys.stdout.write(out.decode("utf-8"))
"#;

const PY_DEFLATE: &str = r#"
import base64, sys, zlib
level, pad = int(sys.argv[1]), sys.argv[2] == "pad"
data = sys.stdin.read().encode("utf-8")
c = zlib.compressobj(level, zlib.DEFLATED, -15)
raw = c.compress(data[: len(data) // 2]) + c.flush(zlib.Z_SYNC_FLUSH) + c.compress(data[len(data) // 2 :]) + c.flush()
b64 = base64.b64encode(raw).decode("ascii")
sys.stdout.write("tknz:" + (b64 if pad else b64.rstrip("=")))
"#;

#[test]
fn python_zlib_reads_our_compressed_messages() {
    for n in [5, 40, 400, 1200] {
        let json = message(n);
        let encoded = encode(&json);
        assert!(
            encoded.starts_with(PREFIX),
            "a {}-byte message should compress",
            json.len()
        );
        let Some(inflated) = python(PY_INFLATE, &[], &encoded) else {
            return;
        };
        assert_eq!(inflated, json, "python3 read back something else for n={n}");
    }
}

#[test]
fn we_read_messages_compressed_by_python_zlib() {
    for (n, level, pad) in [
        (5, 9, "nopad"),
        (40, 6, "pad"),
        (400, 1, "nopad"),
        (40, 0, "pad"),
        (1200, 9, "pad"),
    ] {
        let json = message(n);
        let script = format!("import sys; sys.argv = ['-c', '{level}', '{pad}']\n{PY_DEFLATE}");
        let Some(compressed) = python(&script, &[], &json) else {
            return;
        };
        assert!(compressed.starts_with(PREFIX));
        if pad == "nopad" {
            assert!(!compressed.contains('='), "n={n}: no padding asked");
        }
        assert_eq!(
            decode(&compressed).as_deref(),
            Ok(json.as_str()),
            "n={n} level={level} {pad}"
        );
    }
}

#[test]
fn python_zlib_bomb_is_refused() {
    let script = r#"
import base64, sys, zlib
c = zlib.compressobj(9, zlib.DEFLATED, -15)
raw = c.compress(b"[" + b" " * (8 * 1024 * 1024) + b"]") + c.flush()
sys.stdout.write("tknz:" + base64.b64encode(raw).decode("ascii").rstrip("="))
"#;
    let Some(compressed) = python(script, &[], "") else {
        return;
    };
    let err = decode(&compressed).expect_err("8 MiB must not be inflated");
    assert!(err.to_string().contains("more than 131072 bytes"), "{err}");
}
