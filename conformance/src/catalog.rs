//! The scenario catalog: `conformance/scenarios/*.yaml`, each a simulator
//! scenario or a Pod manifest, with optional harness instructions in a sibling
//! `<name>.conformance.yaml`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use simulator::input::{self, Input, InputError};
use simulator::plan::{self, RunPlan};
use simulator::render::RenderOptions;
use simulator::tekton::cli::{prepare_run, TektonArgs};

/// Suffix of the harness-instruction files next to the scenarios.
pub const META_SUFFIX: &str = ".conformance.yaml";

/// Harness instructions a Task cannot express.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CaseMeta {
    /// Cancel the run (`tekton.dev/cancel=CANCEL`) this long (Go duration)
    /// after the Pod's containers started.
    #[serde(default)]
    pub cancel_after: Option<String>,
}

/// One catalog entry.
#[derive(Debug, Clone)]
pub struct Case {
    /// File stem: the snapshot name and what `--scenario` globs match.
    pub name: String,
    /// The scenario file.
    pub path: PathBuf,
    /// The parsed scenario or Pod.
    pub input: Input,
    /// Harness instructions.
    pub meta: CaseMeta,
    /// `meta.cancel_after`, parsed.
    pub cancel_after: Option<Duration>,
    /// For Tekton files: the TaskRun's plan, rendered with the default images.
    pub tekton: Option<RunPlan>,
}

/// Why the catalog could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The directory could not be listed.
    #[error("cannot list {}: {source}", dir.display())]
    List {
        /// The catalog directory.
        dir: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A scenario file does not parse.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A scenario is not valid.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// `--scenario` is not a valid glob.
    #[error("--scenario {pattern:?}: {message}")]
    Pattern {
        /// The pattern given.
        pattern: String,
        /// Why it is not valid.
        message: String,
    },
}

/// The catalog shipped with this crate (`conformance/scenarios`).
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Loads every `*.yaml` of `dir` (except `*.conformance.yaml`), sorted by
/// name, with its harness instructions. Scenarios are validated with the
/// simulator's checks. Fails on the first file that cannot be read, parsed or
/// validated, naming it.
pub fn load_dir(dir: &Path) -> Result<Vec<Case>, CatalogError> {
    let list_err = |source| CatalogError::List {
        dir: dir.to_path_buf(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(list_err)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.ends_with(".yaml") && !name.ends_with(META_SUFFIX)
        })
        .collect();
    paths.sort();
    paths.iter().map(|p| load(p)).collect()
}

/// Loads one scenario file and its sibling instructions; see [`load_dir`].
pub fn load(path: &Path) -> Result<Case, CatalogError> {
    let invalid = |message: String| CatalogError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".yaml"))
        .ok_or_else(|| invalid("the file name must end in .yaml".to_string()))?
        .to_string();
    let input = input::load(path)?;
    let mut tekton = None;
    match &input {
        Input::Scenario(scenario) => {
            simulator::validate::validate(scenario).map_err(|p| invalid(p.to_string()))?;
        }
        Input::Tekton(documents) => {
            let prepared = prepare_run(
                (**documents).clone(),
                &TektonArgs::default(),
                &RenderOptions::default(),
                false,
            )
            .map_err(|lines| invalid(lines.join("; ")))?;
            tekton = Some(prepared.plan);
        }
        Input::Pod(_) => {}
    }
    let meta_path = path.with_file_name(format!("{name}{META_SUFFIX}"));
    let meta: CaseMeta = match std::fs::read_to_string(&meta_path) {
        Ok(text) => serde_norway::from_str(&text).map_err(|e| CatalogError::Invalid {
            path: meta_path.clone(),
            message: e.to_string(),
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => CaseMeta::default(),
        Err(e) => {
            return Err(CatalogError::Invalid {
                path: meta_path,
                message: e.to_string(),
            })
        }
    };
    let cancel_after = match &meta.cancel_after {
        Some(text) => Some(
            simulator::duration::parse_go_duration(text)
                .map_err(|e| invalid(format!("cancelAfter: {e}")))?,
        ),
        None => None,
    };
    if cancel_after.is_some() {
        if let Input::Scenario(s) = &input {
            if s.timeout.is_some() || s.retries > 0 {
                return Err(invalid(
                    "cancelAfter cannot be combined with timeout or retries".to_string(),
                ));
            }
        }
    }
    Ok(Case {
        name,
        path: path.to_path_buf(),
        input,
        meta,
        cancel_after,
        tekton,
    })
}

/// Keeps the cases whose name matches the glob `pattern` (`*`, `?`, `[...]`);
/// several patterns may be given separated by commas.
pub fn filter(cases: Vec<Case>, pattern: &str) -> Result<Vec<Case>, CatalogError> {
    let patterns = pattern
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            glob::Pattern::new(p.trim()).map_err(|e| CatalogError::Pattern {
                pattern: pattern.to_string(),
                message: e.to_string(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(cases
        .into_iter()
        .filter(|c| patterns.iter().any(|p| p.matches(&c.name)))
        .collect())
}

impl Case {
    /// The Pod and controller knobs for this case, rendered with `images`.
    pub fn plan(&self, images: &RenderOptions) -> RunPlan {
        match &self.input {
            Input::Scenario(scenario) => plan::from_scenario(scenario, images),
            Input::Pod(pod) => plan::from_pod(with_images((**pod).clone(), images)),
            Input::Tekton(_) => match &self.tekton {
                Some(plan) => {
                    let mut plan = plan.clone();
                    plan.pod = with_images(plan.pod, images);
                    plan
                }
                None => plan::from_pod(k8s_openapi::api::core::v1::Pod::default()),
            },
        }
    }
}

/// A hand-written Pod names the default images; swap in the chosen ones.
fn with_images(
    mut pod: k8s_openapi::api::core::v1::Pod,
    images: &RenderOptions,
) -> k8s_openapi::api::core::v1::Pod {
    let defaults = RenderOptions::default();
    if let Some(spec) = pod.spec.as_mut() {
        for container in crate::podspec::containers_mut(spec) {
            if container.image.as_deref() == Some(defaults.entrypoint_image.as_str()) {
                container.image = Some(images.entrypoint_image.clone());
            } else if container.image.as_deref() == Some(defaults.shell_image.as_str()) {
                container.image = Some(images.shell_image.clone());
            }
        }
    }
    pod
}
