//! One lint finding and where it is.

use serde::Serialize;

/// A problem `podsim lint` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// File the finding is in.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Rule id, e.g. `wait-unseen`.
    pub rule: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

/// A position in a YAML text: the first line at or after `from` (0-based)
/// that contains `needle`, as 1-based line and column; `from + 1`, column 1
/// when there is none.
pub fn position(text: &str, from: usize, needle: &str) -> (usize, usize) {
    text.lines()
        .enumerate()
        .skip(from)
        .find_map(|(i, line)| line.find(needle).map(|c| (i + 1, c + 1)))
        .unwrap_or((from + 1, 1))
}
