//! Reading a step's termination message: the JSON array of
//! `{"key","value","type"}` entries the entrypoint writes, possibly in the
//! compressed `tknz:` form.

use std::io::Read;

use base64::Engine;
use serde::Deserialize;

/// Kind of a termination message entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A task result (type 1).
    TaskResult,
    /// Internal bookkeeping: `StartedAt`, `ExitCode`, `Reason` (type 3).
    Internal,
    /// A step result (type 4).
    StepResult,
    /// Artifacts or anything else.
    Other,
}

/// One entry of a termination message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key (result name, or `StartedAt` ...).
    pub key: String,
    /// The value as written.
    pub value: String,
    /// The kind.
    pub kind: EntryKind,
}

#[derive(Deserialize)]
struct RawEntry {
    key: String,
    #[serde(default)]
    value: String,
    #[serde(default, rename = "type")]
    kind: Option<serde_json::Value>,
}

/// Why a termination message could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    /// The compressed form is not valid base64 or DEFLATE.
    #[error("compressed termination message: {0}")]
    Compressed(String),
    /// The JSON is not a list of entries.
    #[error("termination message: {0}")]
    Json(#[from] serde_json::Error),
}

const MAX_DECOMPRESSED: u64 = 128 * 1024;

/// Parses a termination message. An empty (or whitespace) message is an
/// empty list. Type numbers 1, 3, 4 and upstream's type names are
/// recognised; other types become [`EntryKind::Other`].
pub fn parse(text: &str) -> Result<Vec<Entry>, MessageError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let json = match text.strip_prefix("tknz:") {
        Some(encoded) => {
            let raw = base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(encoded.trim_end_matches('='))
                .map_err(|e| MessageError::Compressed(e.to_string()))?;
            let mut out = String::new();
            flate2::read::DeflateDecoder::new(raw.as_slice())
                .take(MAX_DECOMPRESSED)
                .read_to_string(&mut out)
                .map_err(|e| MessageError::Compressed(e.to_string()))?;
            out
        }
        None => text.to_string(),
    };
    let raw: Vec<RawEntry> = serde_json::from_str(&json)?;
    Ok(raw
        .into_iter()
        .map(|e| Entry {
            kind: match &e.kind {
                Some(serde_json::Value::Number(n)) => match n.as_u64() {
                    Some(1) => EntryKind::TaskResult,
                    Some(3) => EntryKind::Internal,
                    Some(4) => EntryKind::StepResult,
                    _ => EntryKind::Other,
                },
                Some(serde_json::Value::String(s)) => match s.as_str() {
                    "TaskRunResult" => EntryKind::TaskResult,
                    "InternalTektonResult" => EntryKind::Internal,
                    "StepResult" => EntryKind::StepResult,
                    _ => EntryKind::Other,
                },
                _ => EntryKind::TaskResult,
            },
            key: e.key,
            value: e.value,
        })
        .collect())
}

/// The value of the internal entry `key` (`StartedAt`, `ExitCode`, `Reason`).
pub fn internal<'a>(entries: &'a [Entry], key: &str) -> Option<&'a str> {
    entries
        .iter()
        .rev()
        .find(|e| e.kind == EntryKind::Internal && e.key == key)
        .map(|e| e.value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn parses_plain_and_compressed() {
        let json = r#"[{"key":"StartedAt","value":"2024-01-01T00:00:00.000Z","type":3},{"key":"out","value":"hi","type":1},{"key":"s","value":"x","type":"StepResult"}]"#;
        let plain = parse(json).expect("plain parses");
        assert_eq!(plain.len(), 3);
        assert_eq!(
            internal(&plain, "StartedAt"),
            Some("2024-01-01T00:00:00.000Z")
        );
        assert_eq!(plain[2].kind, EntryKind::StepResult);

        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(json.as_bytes()).expect("compress");
        let raw = encoder.finish().expect("compress");
        let text = format!(
            "tknz:{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(raw)
        );
        assert_eq!(parse(&text).expect("compressed parses"), plain);
        assert!(parse("").expect("empty").is_empty());
        assert!(parse("nope").is_err());
    }
}
