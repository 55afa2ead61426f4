//! Expected outcomes: the insta snapshots under `conformance/tests/snapshots`,
//! one `<case>.snap` per case, written by the sim test and read here by every
//! other backend and by the CLI.

use std::path::{Path, PathBuf};

/// The snapshot directory shipped with this crate.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("snapshots")
}

/// The snapshot file of case `name` in `dir`.
pub fn snapshot_file(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.snap"))
}

/// The recorded outcome of case `name`: the body of its insta snapshot (the
/// text after the second `---` line), or `None` when there is no snapshot.
/// Fails when the file exists but cannot be read.
pub fn expected(dir: &Path, name: &str) -> std::io::Result<Option<String>> {
    match std::fs::read_to_string(snapshot_file(dir, name)) {
        Ok(text) => Ok(Some(snapshot_body(&text))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The body of an insta `.snap` file (its YAML header removed), trimmed.
pub fn snapshot_body(text: &str) -> String {
    let mut rest = text;
    if let Some(after_open) = rest.strip_prefix("---\n") {
        if let Some(end) = after_open.find("\n---\n") {
            rest = &after_open[end + "\n---\n".len()..];
        }
    }
    rest.trim().to_string()
}

/// `None` when `actual` equals `expected` (both trimmed), else a unified
/// diff from expected to actual.
pub fn diff(expected: &str, actual: &str) -> Option<String> {
    let (expected, actual) = (expected.trim(), actual.trim());
    if expected == actual {
        return None;
    }
    let expected = format!("{expected}\n");
    let actual = format!("{actual}\n");
    let text = similar::TextDiff::from_lines(&expected, &actual)
        .unified_diff()
        .context_radius(3)
        .header("expected (snapshot)", "actual")
        .to_string();
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_skips_insta_header() {
        let text = "---\nsource: conformance/tests/catalog.rs\nexpression: yaml\n---\ncondition:\n  status: 'True'\n";
        assert_eq!(snapshot_body(text), "condition:\n  status: 'True'");
        assert_eq!(snapshot_body("plain: 1\n"), "plain: 1");
    }

    #[test]
    fn diff_names_both_sides() {
        assert_eq!(diff("a: 1\n", "a: 1"), None);
        let d = diff("a: 1\nb: 2\n", "a: 1\nb: 3\n").unwrap();
        assert!(d.contains("-b: 2") && d.contains("+b: 3"), "{d}");
    }
}
