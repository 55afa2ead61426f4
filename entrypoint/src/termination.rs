//! The termination message: what the kubelet hands the controller when a
//! container ends (`terminationMessagePath`).
//!
//! The message is a JSON array of `{"key","value","type"}` entries encoded the
//! way Go's `encoding/json` encodes it (same field order, `<`, `>`, `&`, U+2028
//! and U+2029 escaped), so sizes match upstream byte for byte. Writing merges
//! with what the file holds, and refuses to write more than the kubelet keeps.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::compress;

/// The most the kubelet keeps of a termination message.
pub const MAX_MESSAGE_LEN: usize = 4096;

/// What an entry is, as upstream numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultType {
    TaskRun,
    Internal,
    Step,
    StepArtifacts,
    TaskRunArtifacts,
    /// Any other number or name, kept as upstream's catch-all value.
    Unknown(i64),
}

impl ResultType {
    /// Upstream's number for this type.
    pub fn number(self) -> i64 {
        match self {
            ResultType::TaskRun => 1,
            ResultType::Internal => 3,
            ResultType::Step => 4,
            ResultType::StepArtifacts => 5,
            ResultType::TaskRunArtifacts => 6,
            ResultType::Unknown(n) => n,
        }
    }

    fn from_number(n: i64) -> Self {
        match n {
            1 => ResultType::TaskRun,
            3 => ResultType::Internal,
            4 => ResultType::Step,
            5 => ResultType::StepArtifacts,
            6 => ResultType::TaskRunArtifacts,
            n => ResultType::Unknown(n),
        }
    }

    /// The legacy string names older releases wrote.
    fn from_name(name: &str) -> Self {
        match name {
            "TaskRunResult" => ResultType::TaskRun,
            "InternalTektonResult" => ResultType::Internal,
            "StepResult" => ResultType::Step,
            "StepArtifactsResult" => ResultType::StepArtifacts,
            "TaskRunArtifactsResult" => ResultType::TaskRunArtifacts,
            _ => ResultType::Unknown(10),
        }
    }
}

impl Serialize for ResultType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.number())
    }
}

impl<'de> Deserialize<'de> for ResultType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ResultType;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a result type number or name")
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<ResultType, E> {
                Ok(ResultType::from_number(n))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<ResultType, E> {
                Ok(ResultType::from_number(i64::try_from(n).unwrap_or(10)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<ResultType, E> {
                Ok(ResultType::from_name(s))
            }
        }
        d.deserialize_any(V)
    }
}

/// One entry of the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub key: String,
    pub value: String,
    #[serde(rename = "type")]
    pub kind: ResultType,
}

impl Entry {
    /// An internal (type 3) entry such as `StartedAt`, `ExitCode` or `Reason`.
    pub fn internal(key: &str, value: impl Into<String>) -> Self {
        Self {
            key: key.to_string(),
            value: value.into(),
            kind: ResultType::Internal,
        }
    }
}

/// Why a message could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TerminationError {
    /// Upstream's exact wording, which users and tools grep for.
    #[error("Termination message is above max allowed size 4096, caused by large task result.")]
    TooLarge,
    #[error("reading termination message {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("writing termination message {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("termination message is not valid: {0}")]
    Malformed(String),
}

/// Encodes entries as Go's `json.Marshal` would.
pub fn encode(entries: &[Entry]) -> String {
    let json = serde_json::to_string(entries).unwrap_or_else(|_| "[]".to_string());
    // These characters only occur inside JSON strings, so escaping them textually is safe.
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Parses a message: plain JSON, or `tknz:`-compressed; legacy string types accepted.
pub fn parse(message: &str) -> Result<Vec<Entry>, TerminationError> {
    let json = compress::decode(message).map_err(|e| TerminationError::Malformed(e.to_string()))?;
    serde_json::from_str(&json).map_err(|e| TerminationError::Malformed(e.to_string()))
}

/// Renders the message that `existing + new` would produce, checking the size limit.
pub fn render(
    existing: &[Entry],
    new: &[Entry],
    compress_message: bool,
) -> Result<String, TerminationError> {
    let all: Vec<Entry> = existing.iter().chain(new).cloned().collect();
    let json = encode(&all);
    let message = if compress_message {
        compress::encode(&json)
    } else {
        json
    };
    if message.len() > MAX_MESSAGE_LEN {
        return Err(TerminationError::TooLarge);
    }
    Ok(message)
}

/// Appends `new` to the message at `path` and rewrites the file.
///
/// Existing content that is not a valid message is replaced, as upstream does.
/// The file is rewritten in place, not renamed over: the kubelet bind-mounts
/// it into the container, and a rename onto a mount point fails. Nothing is
/// written when the result would exceed [`MAX_MESSAGE_LEN`].
pub fn append(path: &Path, new: &[Entry], compress_message: bool) -> Result<(), TerminationError> {
    let existing = match fs::read_to_string(path) {
        Ok(text) => parse(&text).unwrap_or_default(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) if e.kind() == io::ErrorKind::InvalidData => Vec::new(),
        Err(source) => {
            return Err(TerminationError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let message = render(&existing, new, compress_message)?;
    let write_err = |source| TerminationError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(write_err)?;
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(write_err)?;
    file.write_all(message.as_bytes()).map_err(write_err)
}

#[cfg(test)]
#[path = "termination_tests.rs"]
mod tests;
