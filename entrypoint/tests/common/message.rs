//! Reading termination messages: the plain JSON form, the `tknz:` compressed
//! form (decoded independently of the crate's own decoder), and assertions
//! on their entries.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;

/// Upstream's exact error for an oversized termination message.
pub const TOO_LARGE: &str =
    "Termination message is above max allowed size 4096, caused by large task result.";

/// One entry of a termination message.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub ty: Value,
}

/// Decodes a `tknz:` message (base64 without padding of raw DEFLATE) with
/// flate2 directly; text without the prefix is returned as it is. Panics when
/// the payload is padded, not base64 or not raw DEFLATE.
pub fn decode_message(text: &str) -> String {
    let Some(payload) = text.strip_prefix("tknz:") else {
        return text.to_owned();
    };
    assert!(!payload.contains('='), "no base64 padding: {text}");
    let raw = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(payload)
        .unwrap_or_else(|e| panic!("compressed message is not unpadded base64 ({e}): {text}"));
    let mut out = String::new();
    flate2::read::DeflateDecoder::new(&raw[..])
        .read_to_string(&mut out)
        .unwrap_or_else(|e| panic!("compressed message is not raw DEFLATE ({e}): {text}"));
    out
}

/// Parses a plain JSON termination message, panicking with the text when it
/// is not a JSON array of `{key, value, type}` objects with string keys and
/// values (a `tknz:` message must go through [`decode_message`] first).
pub fn parse_message(text: &str) -> Vec<Entry> {
    let v: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("termination message is not JSON ({e}): {text:?}"));
    v.as_array()
        .unwrap_or_else(|| panic!("termination message is not an array: {text}"))
        .iter()
        .map(|e| Entry {
            key: e["key"]
                .as_str()
                .unwrap_or_else(|| panic!("entry without string key: {e}"))
                .to_owned(),
            value: e["value"]
                .as_str()
                .unwrap_or_else(|| panic!("entry without string value: {e}"))
                .to_owned(),
            ty: e["type"].clone(),
        })
        .collect()
}

/// Reads and parses a plain JSON termination message file; see
/// [`parse_message`]. Panics when the file cannot be read.
pub fn read_message(path: &Path) -> Vec<Entry> {
    parse_message(&read_message_text(path))
}

/// Reads a termination message file that may be compressed, decodes it and
/// parses it; see [`decode_message`] and [`parse_message`].
pub fn read_any_message(path: &Path) -> Vec<Entry> {
    parse_message(&decode_message(&read_message_text(path)))
}

fn read_message_text(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read termination message {}: {e}", path.display()))
}

/// The entries with the given key, in message order.
pub fn entries<'a>(all: &'a [Entry], key: &str) -> Vec<&'a Entry> {
    all.iter().filter(|e| e.key == key).collect()
}

/// The only entry with the given key; panics when there is none or several.
pub fn entry<'a>(all: &'a [Entry], key: &str) -> &'a Entry {
    let found = entries(all, key);
    assert_eq!(found.len(), 1, "one {key:?} entry expected: {all:?}");
    found[0]
}

/// Asserts exactly one entry with `key`, holding `value` with numeric type `ty`.
pub fn assert_entry(all: &[Entry], key: &str, value: &str, ty: u64) {
    let e = entry(all, key);
    assert_eq!(e.value, value, "value of {key:?}: {all:?}");
    assert_eq!(e.ty, Value::from(ty), "type of {key:?}: {all:?}");
}

/// Asserts no entry has `key`.
pub fn assert_no_entry(all: &[Entry], key: &str) {
    assert!(entries(all, key).is_empty(), "no {key:?} expected: {all:?}");
}

/// Asserts exactly one `StartedAt` entry, of type 3, holding an RFC 3339 UTC
/// time with milliseconds within an hour of now.
pub fn assert_started_at(all: &[Entry]) {
    let e = entry(all, "StartedAt");
    assert_eq!(e.ty, Value::from(3u64), "StartedAt type: {all:?}");
    assert_rfc3339_millis(&e.value);
}

/// Asserts `s` looks like `2026-11-23T14:54:31.123Z` and is close to now.
pub fn assert_rfc3339_millis(s: &str) {
    let b = s.as_bytes();
    let shape_ok = b.len() == 24
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[23] == b'Z'
        && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22]
            .iter()
            .all(|&i| b[i].is_ascii_digit());
    assert!(shape_ok, "not RFC 3339 UTC with milliseconds: {s:?}");
    let t = humantime::parse_rfc3339(s).unwrap_or_else(|e| panic!("bad RFC 3339 {s:?}: {e}"));
    let diff = match std::time::SystemTime::now().duration_since(t) {
        Ok(d) => d,
        Err(e) => e.duration(),
    };
    assert!(
        diff < Duration::from_secs(3600),
        "StartedAt {s} is far from now"
    );
}
