//! The entrypoint deviations the differential suite holds upstream to: the
//! `area: entrypoint` entries of `compat/deviations.yaml` that apply to one
//! upstream version (the file is read and checked by [`crate::deviations`]).

use std::path::{Path, PathBuf};

use crate::deviations::{Area, Deviation, Registry};

/// The registry's default place: `compat/deviations.yaml` of the repository.
pub fn default_path() -> PathBuf {
    crate::deviations::default_path()
}

/// Loads the `entrypoint` deviations that apply to `version`.
///
/// Fails with a one-line message naming the file when it cannot be read,
/// parsed, or is inconsistent.
pub fn load(path: &Path, version: &str) -> Result<Vec<Deviation>, String> {
    let registry = Registry::load(path).map_err(|e| e.to_string())?;
    Ok(registry
        .deviations
        .into_iter()
        .filter(|d| d.area == Area::Entrypoint && d.applies_to(version))
        .collect())
}
