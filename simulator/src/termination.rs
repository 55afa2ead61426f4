//! Reading a step's termination message: the JSON array of
//! `{"key","value","type"}` entries the entrypoint writes, possibly in the
//! compressed `tknz:` form.
//!
//! A thin adapter over [`entrypoint::termination::parse`] (the reader that
//! matches what the entrypoint writes, including decompression and legacy
//! type names). The simulator keeps one leniency of its own: entries without
//! `value` (empty) or `type` (a task result) are accepted, since messages
//! from other writers (hand-written Pods) may leave them out.

use entrypoint::termination::{self as message, ResultType, TerminationError};
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

impl From<ResultType> for EntryKind {
    fn from(kind: ResultType) -> Self {
        match kind {
            ResultType::TaskRun => EntryKind::TaskResult,
            ResultType::Internal => EntryKind::Internal,
            ResultType::Step => EntryKind::StepResult,
            _ => EntryKind::Other,
        }
    }
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

impl From<message::Entry> for Entry {
    fn from(entry: message::Entry) -> Self {
        Self {
            key: entry.key,
            value: entry.value,
            kind: entry.kind.into(),
        }
    }
}

/// An entry that may lack `value` or `type`.
#[derive(Deserialize)]
struct LenientEntry {
    key: String,
    #[serde(default)]
    value: String,
    #[serde(default, rename = "type")]
    kind: Option<ResultType>,
}

/// Why a termination message could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    /// Not valid JSON entries, or a broken compressed form.
    #[error(transparent)]
    Invalid(#[from] TerminationError),
}

/// Parses a termination message. An empty (or whitespace) message is an
/// empty list. Type numbers 1, 3, 4 and upstream's legacy type names are
/// recognised; other types become [`EntryKind::Other`]; a missing `value` is
/// empty and a missing `type` is a task result. Fails with the entrypoint
/// reader's error when the message is not a list of entries or its `tknz:`
/// form does not decode.
pub fn parse(text: &str) -> Result<Vec<Entry>, MessageError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    match message::parse(text) {
        Ok(entries) => Ok(entries.into_iter().map(Entry::from).collect()),
        Err(strict) => lenient(text).ok_or(MessageError::Invalid(strict)),
    }
}

/// The entries of a message whose entries lack `value` or `type`.
fn lenient(text: &str) -> Option<Vec<Entry>> {
    let json = entrypoint::compress::decode(text).ok()?;
    let raw: Vec<LenientEntry> = serde_json::from_str(&json).ok()?;
    Some(
        raw.into_iter()
            .map(|e| Entry {
                key: e.key,
                value: e.value,
                kind: e.kind.map_or(EntryKind::TaskResult, EntryKind::from),
            })
            .collect(),
    )
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

    #[test]
    fn parses_plain_and_compressed() {
        let json = r#"[{"key":"StartedAt","value":"2024-01-01T00:00:00.000Z","type":3},{"key":"out","value":"hi","type":1},{"key":"s","value":"x","type":"StepResult"},{"key":"a","value":"y","type":5}]"#;
        let plain = parse(json).expect("plain parses");
        assert_eq!(plain.len(), 4);
        assert_eq!(
            internal(&plain, "StartedAt"),
            Some("2024-01-01T00:00:00.000Z")
        );
        assert_eq!(plain[1].kind, EntryKind::TaskResult);
        assert_eq!(plain[2].kind, EntryKind::StepResult);
        assert_eq!(plain[3].kind, EntryKind::Other);

        let text = entrypoint::compress::encode(&json.replace("hi", &"hi".repeat(50)));
        assert!(text.starts_with("tknz:"), "{text}");
        let compressed = parse(&text).expect("compressed parses");
        assert_eq!(compressed[1].value, "hi".repeat(50));
        assert!(parse("").expect("empty").is_empty());
        assert!(parse(" \n").expect("blank").is_empty());
        assert!(parse("nope").is_err());
        assert!(parse("tknz:!!!").is_err());
    }

    #[test]
    fn missing_value_or_type_is_tolerated() {
        let entries = parse(r#"[{"key":"out"},{"key":"Reason","value":"Skipped","type":3}]"#)
            .expect("lenient parse");
        assert_eq!(
            entries[0],
            Entry {
                key: "out".to_string(),
                value: String::new(),
                kind: EntryKind::TaskResult
            }
        );
        assert_eq!(internal(&entries, "Reason"), Some("Skipped"));
        assert!(parse(r#"[{"value":"no key","type":1}]"#).is_err());
    }
}
