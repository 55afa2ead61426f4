//! Which entrypoint a run uses: ours, or upstream Tekton's at a version.
//!
//! `--entrypoint ours,upstream-v1.0.0` names them. Each has a host binary
//! (what the `sim` backend runs as its local processes) and an image (what
//! the podman and cluster backends put in their Pods). Upstream's are built
//! by `scripts/upstream-entrypoint VERSION` into `<target>/upstream/VERSION/`
//! and `localhost/upstream/entrypoint:VERSION`.

use std::path::{Path, PathBuf};

/// The image of our entrypoint that `scripts/build-images` makes.
pub const OURS_IMAGE: &str = "localhost/stepwise/entrypoint:dev";
/// The repository of upstream's images that `scripts/upstream-entrypoint` makes.
pub const UPSTREAM_IMAGE_REPO: &str = "localhost/upstream/entrypoint";

/// One entrypoint to run the catalog with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entrypoint {
    /// `ours` or `upstream-VERSION`: the second half of a matrix column's name.
    pub name: String,
    /// Upstream's version, `None` for ours.
    pub upstream: Option<String>,
    /// Host binary; `None` for ours means "located as `podsim` does".
    pub binary: Option<PathBuf>,
    /// Image with the binary at `/ko-app/entrypoint`.
    pub image: String,
}

/// An entrypoint name that is neither `ours` nor `upstream-vX.Y.Z`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("--entrypoint: {0:?} is not an entrypoint: use `ours` or `upstream-VERSION` (e.g. upstream-v1.0.0)")]
pub struct UnknownEntrypoint(pub String);

impl Entrypoint {
    /// Ours: `binary` (or located later) and `image` (or [`OURS_IMAGE`]).
    pub fn ours(binary: Option<PathBuf>, image: Option<String>) -> Self {
        Self {
            name: "ours".to_string(),
            upstream: None,
            binary,
            image: image.unwrap_or_else(|| OURS_IMAGE.to_string()),
        }
    }

    /// Upstream's at `version`, built under `upstream_dir` (see [`upstream_dir`]).
    pub fn upstream(version: &str, upstream_dir: &Path) -> Self {
        Self {
            name: format!("upstream-{version}"),
            upstream: Some(version.to_string()),
            binary: Some(upstream_dir.join(version).join("entrypoint")),
            image: format!("{UPSTREAM_IMAGE_REPO}:{version}"),
        }
    }

    /// The host binary, failing with how to build it when it is missing.
    /// `None` for ours without an explicit path.
    pub fn existing_binary(&self) -> Result<Option<&Path>, String> {
        match (&self.binary, &self.upstream) {
            (Some(path), Some(version)) if !path.is_file() => Err(format!(
                "{} not found: build it with scripts/upstream-entrypoint {version}",
                path.display()
            )),
            (binary, _) => Ok(binary.as_deref()),
        }
    }
}

/// Parses a comma list of entrypoint names (`ours`, `upstream-vX.Y.Z`),
/// dropping repeats; ours takes `ours_binary` and `ours_image` when given.
pub fn parse_list(
    list: &[String],
    ours_binary: Option<PathBuf>,
    ours_image: Option<String>,
    upstream_dir: &Path,
) -> Result<Vec<Entrypoint>, UnknownEntrypoint> {
    let mut out: Vec<Entrypoint> = Vec::new();
    for name in list.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let entrypoint = if name == "ours" {
            Entrypoint::ours(ours_binary.clone(), ours_image.clone())
        } else {
            match name.strip_prefix("upstream-").filter(|v| is_version(v)) {
                Some(version) => Entrypoint::upstream(version, upstream_dir),
                None => return Err(UnknownEntrypoint(name.to_string())),
            }
        };
        if !out.iter().any(|e| e.name == entrypoint.name) {
            out.push(entrypoint);
        }
    }
    Ok(out)
}

/// What to run to get `image` when it is missing locally.
pub fn build_hint(image: &str) -> String {
    match image
        .strip_prefix(UPSTREAM_IMAGE_REPO)
        .and_then(|t| t.strip_prefix(':'))
    {
        Some(version) => format!("run scripts/upstream-entrypoint {version}"),
        None => "run scripts/build-images".to_string(),
    }
}

/// Where upstream's binaries are: `$CONFORMANCE_UPSTREAM_DIR`, else
/// `$CARGO_TARGET_DIR/upstream`, else `upstream/` in the cargo target
/// directory this binary was built into (`target/debug/..`).
pub fn upstream_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CONFORMANCE_UPSTREAM_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("upstream");
    }
    let exe = std::env::current_exe().ok();
    // target/<profile>/conformance or target/<profile>/deps/<test binary>
    let target = exe.as_deref().and_then(|exe| {
        exe.ancestors()
            .skip(1)
            .find(|dir| dir.join("CACHEDIR.TAG").is_file())
    });
    match target {
        Some(dir) => dir.join("upstream"),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("target")
            .join("upstream"),
    }
}

fn is_version(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('v') else {
        return false;
    };
    let parts: Vec<&str> = rest.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Result<Vec<String>, UnknownEntrypoint> {
        let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        parse_list(&list, None, None, Path::new("/up"))
            .map(|v| v.into_iter().map(|e| e.name).collect())
    }

    #[test]
    fn parses_ours_and_upstream_versions_without_repeats() {
        assert_eq!(
            names(&["ours", "upstream-v1.0.0", "ours"]).expect("valid"),
            ["ours", "upstream-v1.0.0"]
        );
        let up = Entrypoint::upstream("v0.62.0", Path::new("/up"));
        assert_eq!(up.image, "localhost/upstream/entrypoint:v0.62.0");
        assert_eq!(
            up.binary.as_deref(),
            Some(Path::new("/up/v0.62.0/entrypoint"))
        );
    }

    #[test]
    fn rejects_names_that_are_not_entrypoints() {
        for bad in [
            "theirs",
            "upstream-1.0.0",
            "upstream-v1.0",
            "upstream-vx.y.z",
        ] {
            assert_eq!(names(&[bad]), Err(UnknownEntrypoint(bad.to_string())));
        }
    }

    #[test]
    fn a_missing_upstream_binary_says_how_to_build_it() {
        let up = Entrypoint::upstream("v9.9.9", Path::new("/nonexistent"));
        let err = up.existing_binary().expect_err("missing");
        assert!(err.contains("scripts/upstream-entrypoint v9.9.9"), "{err}");
        assert_eq!(
            build_hint("localhost/upstream/entrypoint:v9.9.9"),
            "run scripts/upstream-entrypoint v9.9.9"
        );
        assert_eq!(build_hint(OURS_IMAGE), "run scripts/build-images");
    }
}
