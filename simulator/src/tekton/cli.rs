//! The command-line side of Tekton input: `--param`, `--workspace`, `-f`,
//! `--image-command`, and turning files plus flags into a prepared TaskRun.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use super::features::FeatureFlags;
use super::image::{parse_flag, ImageCommands};
use super::model::ParamValue;
use super::resolve::{load_dir, Documents};
use super::taskrun::{prepare, Context, Prepared};
use crate::images::LocalImages;
use crate::render::RenderOptions;

/// Flags of `podsim run|validate|render` for Tekton files.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TektonArgs {
    /// A parameter of the Task run directly (or overriding the TaskRun's):
    /// NAME=VALUE; arrays and objects as JSON.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Bind a workspace to a host directory: NAME=DIR (kept, never deleted).
    #[arg(long = "workspace", value_name = "NAME=DIR")]
    pub workspaces: Vec<String>,
    /// A directory of Tekton files that `taskRef` names resolve against.
    #[arg(short = 'f', long = "filename", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// The command of an image, for steps that give only an image: IMAGE=CMD.
    #[arg(long = "image-command", value_name = "IMAGE=CMD")]
    pub image_commands: Vec<String>,
    /// A Tekton feature flag, as in the feature-flags ConfigMap: NAME=VALUE
    /// (wins over a ConfigMap among the files), e.g.
    /// enable-cel-in-whenexpression=true.
    #[arg(long = "feature-flag", value_name = "NAME=VALUE")]
    pub feature_flags: Vec<String>,
    /// Set by `podsim validate`, which checks what upstream's admission
    /// checks: a lone Task or Pipeline as a definition
    /// ([`super::definition`]), not as a run of it, and an image-only step
    /// whose command is unknown as a note (upstream needs it only to build
    /// the Pod).
    #[arg(skip)]
    pub definition_only: bool,
}

/// Parses `NAME=VALUE`: a value starting with `[` or `{` is read as JSON.
pub fn parse_param(text: &str) -> Result<(String, ParamValue), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("--param {text:?}: expected NAME=VALUE"))?;
    if name.is_empty() {
        return Err(format!("--param {text:?}: expected NAME=VALUE"));
    }
    let value = if value.starts_with('[') || value.starts_with('{') {
        serde_json::from_str(value)
            .map_err(|e| format!("--param {name}: not a JSON array or object of strings: {e}"))?
    } else {
        ParamValue::String(value.to_string())
    };
    Ok((name.to_string(), value))
}

/// What the flags add to the files: definitions from `-f`, parameters,
/// workspace directories, image commands.
#[derive(Debug, Clone, Default)]
pub struct Library {
    /// `--param` values.
    pub params: Vec<(String, ParamValue)>,
    /// `--workspace` directories (canonical).
    pub workspace_dirs: BTreeMap<String, PathBuf>,
    /// `--image-command` (and podman when asked).
    pub images: ImageCommands,
    /// The feature flags of the ConfigMaps and `--feature-flag`.
    pub features: FeatureFlags,
}

/// Reads the `-f` directories into `documents` (their Tasks, Pipelines and
/// feature-flags ConfigMaps only: the run object comes from the files) and
/// parses the other flags; the files' skipped documents (not Tekton's) and
/// feature-flag warnings are noted on stderr.
/// Fails with the line to print, naming the flag at fault.
pub fn library(
    mut documents: Documents,
    args: &TektonArgs,
) -> Result<(Documents, Library), Vec<String>> {
    let one = |e: String| vec![e];
    for skipped in &documents.1 {
        eprintln!("podsim: note: {}", skipped.note());
    }
    let given = documents.0.len();
    // A file given that is also in a directory counts once, as given.
    let files: BTreeSet<PathBuf> = documents
        .0
        .iter()
        .map(|(file, _)| file)
        .chain(documents.1.iter().map(|s| &s.file))
        .filter_map(|file| std::fs::canonicalize(file).ok())
        .collect();
    for dir in &args.dirs {
        let found = load_dir(dir, &files).map_err(|e| one(format!("-f {}: {e}", dir.display())))?;
        // A directory lends definitions; the run object comes from the files.
        documents.0.extend(found.0.into_iter().filter(|(_, d)| {
            matches!(
                d,
                super::resolve::Document::Task(_)
                    | super::resolve::Document::Pipeline(_)
                    | super::resolve::Document::FeatureFlags(_)
            )
        }));
        // Its definitions that cannot be read, for a reference naming one.
        documents
            .1
            .extend(found.1.into_iter().filter(|s| s.unreadable.is_some()));
    }
    let refused = super::admission::check(&documents, given);
    if !refused.is_empty() {
        return Err(refused);
    }
    let mut params = args
        .params
        .iter()
        .map(|p| parse_param(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(one)?;
    let mut workspace_dirs = BTreeMap::new();
    for text in &args.workspaces {
        let (name, dir) = text
            .split_once('=')
            .ok_or_else(|| one(format!("--workspace {text:?}: expected NAME=DIR")))?;
        let dir = PathBuf::from(dir);
        if !dir.is_dir() {
            return Err(one(format!(
                "--workspace {name}: {} is not a directory",
                dir.display()
            )));
        }
        let dir = dir.canonicalize().unwrap_or(dir);
        workspace_dirs.insert(name.to_string(), dir);
    }
    let mut images = ImageCommands::default();
    images.local = Arc::new(LocalImages::podman());
    images.unknown_is_a_note = args.definition_only;
    for text in &args.image_commands {
        let (image, command) = parse_flag(text).map_err(one)?;
        images.given.insert(image, command);
    }
    if args.definition_only {
        let notes =
            super::definition::stand_ins(&mut documents, given, &mut params, &mut workspace_dirs);
        for note in notes {
            eprintln!("podsim: note: {note}");
        }
    }
    let (features, warnings) =
        FeatureFlags::from_sources(&documents.feature_configmaps(), &args.feature_flags)
            .map_err(one)?;
    for warning in warnings {
        eprintln!("podsim: warning: {warning}");
    }
    Ok((
        documents,
        Library {
            params,
            workspace_dirs,
            images,
            features,
        },
    ))
}

/// Prepares the run object of `documents` with the flags: the TaskRun (or
/// lone Task) found among the files, `-f` directories read, its Task resolved, then
/// [`prepare`]d; `ask_podman` lets image-only steps ask the local image
/// store. Fails with the lines to print, each naming the flag, file or
/// field at fault.
pub fn prepare_run(
    documents: Documents,
    args: &TektonArgs,
    options: &RenderOptions,
    ask_podman: bool,
) -> Result<Prepared, Vec<String>> {
    // The run object comes from the files given, before -f adds definitions.
    let run = documents.task_run().map_err(|e| vec![e.to_string()])?;
    let (documents, mut library) = library(documents, args)?;
    if !ask_podman {
        library.images.local = Arc::new(LocalImages::disabled());
    }
    let (run, spec, task_name) = documents
        .run_object(run, &library.params)
        .map_err(|e| vec![e.to_string()])?;
    let context = Context {
        workspace_dirs: library.workspace_dirs,
        extra: BTreeMap::new(),
        images: library.images,
        features: library.features,
    };
    // A lone Task's problems are the Task's: no TaskRun exists to name.
    let at = if documents.has_run() {
        format!("TaskRun {}", run.metadata.name_or("taskrun"))
    } else {
        format!("Task {task_name}")
    };
    prepare(&run, &spec, &task_name, &context, options)
        .map_err(|problems| problems.0.iter().map(|p| format!("{at}: {p}")).collect())
}
