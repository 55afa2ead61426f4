//! The registry of deliberate deviations from upstream Tekton
//! (`compat/deviations.yaml`).
//!
//! Where upstream's entrypoint and ours differ, the difference either is a
//! bug (fixed) or is registered here, with what differs, why, and its row in
//! docs/compatibility.md. A check that observes a difference passes only when
//! the difference is registered; a registered deviation that its check no
//! longer observes fails as stale.
//!
//! For the catalog, a deviation lists the `scenarios` whose outcome with
//! upstream's entrypoint differs from the snapshot, and records upstream's
//! outcome in `tests/snapshots/deviations/<id>/<scenario>.snap`: the upstream
//! column is held to that file, and fails as stale when it matches the
//! ordinary snapshot again.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Where a deviation lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Area {
    /// The entrypoint binary.
    Entrypoint,
    /// The Pod the controller renders.
    Render,
    /// The controller's behaviour (the simulator's Tekton layer).
    Controller,
}

/// One registered deviation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    /// Unique kebab-case id.
    pub id: String,
    /// Where it lives.
    pub area: Area,
    /// What differs, as observed.
    pub what: String,
    /// Why ours is deliberately different.
    pub why: String,
    /// The docs/compatibility.md anchor of its row (`#...`).
    pub docs: String,
    /// Upstream versions it applies to; empty: every version we build.
    #[serde(default)]
    pub versions: Vec<String>,
    /// Catalog scenarios whose outcome with upstream's entrypoint differs.
    #[serde(default)]
    pub scenarios: Vec<String>,
    /// Differential command-line cases (`conformance compat`) that show it.
    #[serde(default)]
    pub cases: Vec<String>,
    /// `CASE:PATH` patterns where `podsim render` and the render oracle
    /// differ (simulator/tests/render_oracle.rs); matched by
    /// [`simulator::glob::matches`] (`*` any run of characters).
    #[serde(default)]
    pub render: Vec<String>,
    /// `CASE:PATH` patterns where the statuses of `podsim run` and of
    /// upstream's controller on a cluster differ (`conformance tekton`,
    /// conformance/src/tekton); matched by [`PathPatterns`].
    #[serde(default)]
    pub controller: Vec<String>,
}

impl Deviation {
    /// Whether it applies to upstream `version`.
    pub fn applies_to(&self, version: &str) -> bool {
        self.versions.is_empty() || self.versions.iter().any(|v| v == version)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    deviations: Vec<Deviation>,
}

/// The registry could not be read or is inconsistent.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The YAML does not match the format described in the file's header.
    #[error("{}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Field path and problem.
        message: String,
    },
    /// Two entries share an id, or an entry is malformed.
    #[error("compat/deviations.yaml: {0}")]
    Invalid(String),
}

/// All registered deviations.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    /// In file order.
    pub deviations: Vec<Deviation>,
}

/// `compat/deviations.yaml` of this checkout.
pub fn default_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("compat")
        .join("deviations.yaml")
}

/// Where upstream's outcome of `scenario` under deviation `id` is recorded.
pub fn snapshot_path(snapshots: &Path, id: &str, scenario: &str) -> PathBuf {
    snapshots
        .join("deviations")
        .join(id)
        .join(format!("{scenario}.snap"))
}

impl Registry {
    /// Reads and checks the registry at `path`: unique kebab-case ids,
    /// non-empty `what`/`why`, `docs` an anchor.
    pub fn load(path: &Path) -> Result<Self, RegistryError> {
        let text = std::fs::read_to_string(path).map_err(|source| RegistryError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// [`Registry::load`] of text already read.
    pub fn parse(path: &Path, text: &str) -> Result<Self, RegistryError> {
        let de = serde_norway::Deserializer::from_str(text);
        let file: File =
            serde_path_to_error::deserialize(de).map_err(|e| RegistryError::Parse {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        let mut ids = BTreeSet::new();
        for d in &file.deviations {
            let kebab = !d.id.is_empty()
                && d.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !kebab {
                return Err(RegistryError::Invalid(format!(
                    "id {:?} is not kebab-case",
                    d.id
                )));
            }
            if !ids.insert(d.id.as_str()) {
                return Err(RegistryError::Invalid(format!(
                    "id {:?} appears twice",
                    d.id
                )));
            }
            if d.what.trim().is_empty() || d.why.trim().is_empty() {
                return Err(RegistryError::Invalid(format!(
                    "{}: `what` and `why` must say something",
                    d.id
                )));
            }
            if !d.docs.starts_with('#') {
                return Err(RegistryError::Invalid(format!(
                    "{}: `docs` must be an anchor of docs/compatibility.md such as #{}",
                    d.id, d.id
                )));
            }
        }
        Ok(Self {
            deviations: file.deviations,
        })
    }

    /// The `controller` patterns of every deviation for upstream `version`,
    /// in file order.
    pub fn controller_paths(&self, version: &str) -> PathPatterns {
        PathPatterns::new(
            self.deviations
                .iter()
                .filter(|d| d.applies_to(version))
                .flat_map(|d| d.controller.iter().map(|p| (d.id.clone(), p.clone())))
                .collect(),
        )
    }

    /// The deviation registered for catalog `scenario` with upstream `version`.
    pub fn for_scenario(&self, version: &str, scenario: &str) -> Option<&Deviation> {
        self.deviations
            .iter()
            .find(|d| d.applies_to(version) && d.scenarios.iter().any(|s| s == scenario))
    }
}

/// Registered `CASE:PATH` patterns (deviation id, pattern) and which of
/// them have covered a difference: a pattern that covered none over a whole
/// run is stale. Patterns are wildcards of [`simulator::glob::matches`]
/// (`*` any run of characters, `?` one; brackets literal).
#[derive(Debug, Clone, Default)]
pub struct PathPatterns {
    patterns: Vec<(String, String)>,
    used: BTreeSet<String>,
}

impl PathPatterns {
    /// `(deviation id, pattern)` pairs, first match wins.
    pub fn new(patterns: Vec<(String, String)>) -> Self {
        Self {
            patterns,
            used: BTreeSet::new(),
        }
    }

    /// The id of the first deviation whose pattern matches `CASE:PATH`
    /// (`case`, `path`), marking that pattern used; `None` when no pattern
    /// covers the difference.
    pub fn covering(&mut self, case: &str, path: &str) -> Option<&str> {
        let full = format!("{case}:{path}");
        let (id, pattern) = self
            .patterns
            .iter()
            .find(|(_, p)| simulator::glob::matches(p, &full))?;
        self.used.insert(pattern.clone());
        Some(id)
    }

    /// The patterns used so far, sorted.
    pub fn used(&self) -> impl Iterator<Item = &str> {
        self.used.iter().map(String::as_str)
    }

    /// The `(id, pattern)` pairs no difference has matched, in file order.
    pub fn stale(&self) -> Vec<&(String, String)> {
        self.patterns
            .iter()
            .filter(|(_, p)| !self.used.contains(p))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = "deviations:\n- id: err-on-bad-input\n  area: entrypoint\n  what: w\n  why: y\n  docs: '#err-on-bad-input'\n  versions: [v0.62.0]\n  scenarios: [s]\n";

    #[test]
    fn finds_a_scenario_deviation_for_its_versions_only() {
        let r = Registry::parse(Path::new("x"), ONE).expect("valid");
        assert!(r.for_scenario("v0.62.0", "s").is_some());
        assert!(r.for_scenario("v1.0.0", "s").is_none());
        assert!(r.for_scenario("v0.62.0", "other").is_none());
    }

    #[test]
    fn path_patterns_cover_differences_and_tell_the_stale_ones() {
        let mut patterns = PathPatterns::new(vec![
            ("order".into(), "*:.status.skippedTasks(order)".into()),
            ("step".into(), "c:.spec.containers[step-a].*".into()),
            ("unused".into(), "x:.nothing".into()),
        ]);
        assert_eq!(
            patterns.covering("a/b", ".status.skippedTasks(order)"),
            Some("order")
        );
        assert_eq!(
            patterns.covering("c", ".spec.containers[step-a].args"),
            Some("step")
        );
        assert_eq!(patterns.covering("c", ".spec.containers[a].args"), None);
        assert_eq!(
            patterns.stale(),
            [&("unused".to_string(), "x:.nothing".to_string())]
        );
    }

    #[test]
    fn rejects_duplicates_bad_ids_and_unknown_fields() {
        let twice = format!("{ONE}{}", &ONE["deviations:\n".len()..]);
        let err = Registry::parse(Path::new("x"), &twice).expect_err("duplicate");
        assert!(err.to_string().contains("appears twice"), "{err}");
        let bad = ONE.replace("err-on-bad-input\n", "Err_On\n");
        assert!(Registry::parse(Path::new("x"), &bad).is_err());
        let unknown = ONE.replace("  what: w\n", "  what: w\n  colour: red\n");
        let err = Registry::parse(Path::new("x"), &unknown).expect_err("unknown field");
        assert!(err.to_string().contains("colour"), "{err}");
    }

    #[test]
    fn the_repository_registry_loads_and_every_entry_has_its_docs_row() {
        let registry = Registry::load(&default_path()).expect("compat/deviations.yaml is valid");
        let docs = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/compatibility.md"),
        )
        .expect("docs/compatibility.md");
        for d in &registry.deviations {
            let anchor = format!("<a id=\"{}\"></a>", &d.docs[1..]);
            assert!(
                docs.contains(&anchor),
                "{}: docs/compatibility.md has no row with {anchor}",
                d.id
            );
        }
    }
}
