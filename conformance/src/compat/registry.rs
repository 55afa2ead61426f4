//! `compat/deviations.yaml`: the registered deliberate deviations.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One registered deviation (see the file's header for the fields).
#[derive(Clone, Debug, Deserialize)]
pub struct Deviation {
    /// Unique kebab-case id.
    pub id: String,
    /// `entrypoint`, `render` or `controller`.
    pub area: String,
    /// What differs, as observed.
    #[serde(default)]
    pub what: String,
    /// The docs/compatibility.md anchor of its row.
    #[serde(default)]
    pub docs: String,
    /// Upstream versions it applies to; empty: every version.
    #[serde(default)]
    pub versions: Vec<String>,
    /// The compat cases that observe it.
    #[serde(default)]
    pub cases: Vec<String>,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    deviations: Vec<Deviation>,
}

/// The registry's default place: `compat/deviations.yaml` of the repository.
pub fn default_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../compat/deviations.yaml")
}

/// Loads the `entrypoint` deviations that apply to `version`.
///
/// Fails with a one-line message naming the file when it cannot be read or
/// parsed.
pub fn load(path: &Path, version: &str) -> Result<Vec<Deviation>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: File =
        serde_norway::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(file
        .deviations
        .into_iter()
        .filter(|d| d.area == "entrypoint")
        .filter(|d| d.versions.is_empty() || d.versions.iter().any(|v| v == version))
        .collect())
}
