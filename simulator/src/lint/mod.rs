//! `podsim lint`: static checks of ordered Pods and wrapped images in Pod
//! manifests, workloads and Helm charts. Runs nothing.
//!
//! - [`ordered`]: the wait/post graph through each container's mounts;
//! - [`wrapped`]: `command` overriding a wrapper image's ENTRYPOINT (known
//!   from `--wrapper-image` globs or the local image store);
//! - [`helm`]: `command` keys in a chart's values files and templates;
//! - [`output`]: text, JSON and SARIF 2.1.

pub mod finding;
pub mod helm;
pub mod ordered;
pub mod output;
pub mod wrapped;

use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::PodSpec;

use crate::images::LocalImages;
use finding::position;
pub use finding::Finding;

/// Why linting could not be done.
#[derive(Debug, thiserror::Error)]
pub enum LintError {
    /// A YAML document could not be parsed.
    #[error("{path}:{line}: not valid YAML: {why}")]
    Yaml {
        /// The file.
        path: String,
        /// 1-based line where the document starts or the error is.
        line: usize,
        /// The parser's message.
        why: String,
    },
    /// A path could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// What `podsim lint` checks with.
#[derive(Debug, Default)]
pub struct LintOptions {
    /// Globs of images whose ENTRYPOINT is the wrapper.
    pub wrapper_images: Vec<String>,
    /// The local image store, asked for the ENTRYPOINT of the images of
    /// containers that set `command` (disabled by default).
    pub images: LocalImages,
}

/// The Pod spec inside a manifest of any workload kind, and the kind.
fn pod_spec(doc: &serde_json::Value) -> Option<PodSpec> {
    let kind = doc.get("kind")?.as_str()?;
    let spec = match kind {
        "Pod" => doc.get("spec")?,
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            doc.get("spec")?.get("template")?.get("spec")?
        }
        "CronJob" => doc
            .get("spec")?
            .get("jobTemplate")?
            .get("spec")?
            .get("template")?
            .get("spec")?,
        "PodTemplate" => doc.get("template")?.get("spec")?,
        _ => return None,
    };
    serde_json::from_value(spec.clone()).ok()
}

/// Lints one YAML file (every document in it); documents that are not a
/// workload are skipped. Fails on a document that is not valid YAML.
pub fn lint_text(path: &str, text: &str, options: &LintOptions) -> Result<Vec<Finding>, LintError> {
    let mut out = Vec::new();
    let mut start = 0;
    let lines: Vec<&str> = text.lines().collect();
    let mut docs: Vec<(usize, String)> = Vec::new();
    let mut current = String::new();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("---") {
            docs.push((start, std::mem::take(&mut current)));
            start = i + 1;
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    docs.push((start, current));
    for (offset, doc) in docs {
        let value = match serde_norway::from_str::<serde_json::Value>(&doc) {
            Ok(value) => value,
            Err(e) => {
                return Err(LintError::Yaml {
                    path: path.to_string(),
                    line: offset + e.location().map_or(1, |l| l.line()),
                    why: e.to_string(),
                })
            }
        };
        let Some(spec) = pod_spec(&value) else {
            continue;
        };
        let raws = ordered::check(&spec).into_iter().chain(wrapped::check(
            &spec,
            &options.wrapper_images,
            &options.images,
        ));
        for raw in raws {
            let (line, _) = position(text, offset, &format!("name: {}", raw.container));
            let (line, column) = if raw.rule == "command-overrides-wrapper" {
                position(text, line - 1, "command")
            } else {
                position(text, line - 1, &raw.container)
            };
            out.push(Finding {
                path: path.to_string(),
                line,
                column,
                rule: raw.rule,
                message: raw.message,
                fix: raw.fix,
            });
        }
    }
    Ok(out)
}

fn read(path: &Path) -> Result<String, LintError> {
    std::fs::read_to_string(path).map_err(|source| LintError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Lints `paths`: YAML files, directories (every `*.yaml`/`*.yml` below
/// them) and Helm charts (a directory with `Chart.yaml`). Fails when a
/// path cannot be read.
pub fn lint_paths(paths: &[PathBuf], options: &LintOptions) -> Result<Vec<Finding>, LintError> {
    let mut out = Vec::new();
    for path in paths {
        lint_path(path, options, &mut out)?;
    }
    out.sort_by(|a, b| (&a.path, a.line, a.rule).cmp(&(&b.path, b.line, b.rule)));
    Ok(out)
}

fn lint_path(path: &Path, options: &LintOptions, out: &mut Vec<Finding>) -> Result<(), LintError> {
    let meta = std::fs::metadata(path).map_err(|source| LintError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        out.extend(lint_text(
            &path.display().to_string(),
            &read(path)?,
            options,
        )?);
        return Ok(());
    }
    if path.join("Chart.yaml").is_file() {
        out.extend(helm::check(path, options)?);
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|source| LintError::Read {
            path: path.to_path_buf(),
            source,
        })?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for entry in entries {
        let yaml = entry.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if entry.is_dir() || yaml {
            lint_path(&entry, options, out)?;
        }
    }
    Ok(())
}

/// Output format of `podsim lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `path:line:col: rule-id: message (fix: ...)`.
    Text,
    /// A JSON array.
    Json,
    /// SARIF 2.1.0.
    Sarif,
}

/// The arguments of `podsim lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Files, directories or Helm charts to check.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Glob of an image whose ENTRYPOINT is the wrapper (repeatable).
    #[arg(long = "wrapper-image", value_name = "GLOB")]
    pub wrapper_images: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Do not ask the local image store (`podman image inspect`) whether an
    /// image's ENTRYPOINT is the wrapper; only --wrapper-image globs count.
    #[arg(long = "no-image-store")]
    pub no_image_store: bool,
}

/// Runs `podsim lint`: prints the findings on stdout and returns the exit
/// status (0 clean, 1 findings, 2 unreadable input).
pub fn run(args: &LintArgs) -> u8 {
    let options = LintOptions {
        wrapper_images: args.wrapper_images.clone(),
        images: if args.no_image_store {
            LocalImages::disabled()
        } else {
            LocalImages::podman()
        },
    };
    let findings = match lint_paths(&args.paths, &options) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("podsim lint: {e}");
            return 2;
        }
    };
    let text = match args.format {
        Format::Text => output::text(&findings),
        Format::Json => output::json(&findings),
        Format::Sarif => output::sarif(&findings),
    };
    print!("{text}");
    u8::from(!findings.is_empty())
}
