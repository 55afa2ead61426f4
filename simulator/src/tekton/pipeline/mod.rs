//! PipelineRuns: the Pipeline resolved and checked before anything runs
//! ([`prepare`]), then driven task by task ([`run`]): a DAG from `runAfter`
//! and result references ([`dag`]), independent branches in parallel, one
//! [`crate::runtime::controller::Controller`] per TaskRun, `when`, `finally`,
//! timeouts and cancellation, and the status in v1 shape ([`status`]).
//! Custom tasks go through the [`custom::CustomTasks`] seam.

pub mod child;
pub mod cli;
pub mod custom;
pub mod dag;
pub mod matrix;
pub mod run;
pub mod status;
pub mod summary;
pub mod taskrunspec;
pub mod validate;
pub mod vars;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::features::{admit_when_cel, FeatureFlags};
use super::model::{Meta, ParamValue, PipelineRun, PipelineSpec, PipelineTask, TaskSpec};
use super::resolve::Documents;
use super::substitute::Vars;
use crate::duration::parse_go_duration;
use taskrunspec::ChildSpec;

/// What a pipeline task runs.
#[derive(Debug, Clone)]
pub enum Runs {
    /// A Tekton Task: its spec and name.
    Task(Box<TaskSpec>, String),
    /// A custom task.
    Custom {
        /// Its apiVersion.
        api_version: String,
        /// Its kind.
        kind: String,
        /// The referenced name.
        reference: Option<String>,
        /// The embedded spec.
        spec: Option<serde_json::Value>,
    },
}

/// A PipelineRun ready to run.
#[derive(Debug)]
pub struct PipelinePlan {
    /// The PipelineRun's name.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    /// Its uid.
    pub uid: String,
    /// The Pipeline's name.
    pub pipeline_name: String,
    /// The spec that runs.
    pub spec: PipelineSpec,
    /// The DAG of `spec.tasks`.
    pub dag: dag::Dag,
    /// What each DAG task runs.
    pub tasks: Vec<Runs>,
    /// What each finally task runs.
    pub finally: Vec<Runs>,
    /// `params.*` of the pipeline.
    pub params: Vars,
    /// Host directory per pipeline workspace shared by its TaskRuns; absent
    /// for emptyDir workspaces (a fresh directory per TaskRun).
    pub shared: BTreeMap<String, PathBuf>,
    /// Pipeline workspaces that are bound (shared or emptyDir).
    pub bound: Vec<String>,
    /// `timeouts.pipeline` (default 1h; none for `0`).
    pub timeout: Option<Duration>,
    /// `timeouts.tasks`.
    pub tasks_timeout: Option<Duration>,
    /// `timeouts.finally`.
    pub finally_timeout: Option<Duration>,
    /// Directories podsim created for claims, removed with the plan.
    pub owned: Vec<tempfile::TempDir>,
    /// The feature flags in force.
    pub features: FeatureFlags,
    /// The PipelineRun's labels and annotations, passed on to its TaskRuns.
    pub metadata: Meta,
    /// What each pipeline task's TaskRun gets from `taskRunTemplate` and
    /// `taskRunSpecs`, by pipeline task name.
    pub child_specs: BTreeMap<String, ChildSpec>,
}

fn duration(text: Option<&str>, what: &str) -> Result<Option<Duration>, String> {
    match text {
        None => Ok(None),
        Some(t) => parse_go_duration(t)
            .map(|d| (!d.is_zero()).then_some(d))
            .map_err(|e| format!("{what}: {e}")),
    }
}

fn resolve_task(
    task: &PipelineTask,
    docs: &Documents,
    features: &FeatureFlags,
) -> Result<Runs, String> {
    let at = format!("pipeline task {:?}", task.name);
    match task.on_error.as_deref() {
        None | Some("stopAndFail") => {}
        Some("continue") if task.retries > 0 => {
            return Err(format!(
                "{at}: onError: \"continue\" is not allowed when retries is greater than 0"
            ))
        }
        Some("continue") => {}
        Some(other) => {
            return Err(format!(
                "{at}: onError {other:?}: must be either \"continue\" or \"stopAndFail\""
            ))
        }
    }
    admit_when_cel(&task.when, &at, features).map_err(|(path, why)| format!("{path}: {why}"))?;
    if task.pipeline_ref.is_some() || task.pipeline_spec.is_some() {
        return Err(format!("{at}: pipelines in pipelines are not supported"));
    }
    match (&task.task_ref, &task.task_spec) {
        (Some(r), None) => {
            if let Some(api) = r
                .api_version
                .as_deref()
                .filter(|a| !a.starts_with("tekton.dev/"))
            {
                return Ok(Runs::Custom {
                    api_version: api.to_string(),
                    kind: r.kind.clone().unwrap_or_default(),
                    reference: r.name.clone(),
                    spec: None,
                });
            }
            let found = docs.task(r).map_err(|e| format!("{at}: {e}"))?;
            Ok(Runs::Task(
                Box::new(found.spec.clone()),
                found.metadata.name_or("task"),
            ))
        }
        (None, Some(embedded)) => match (&embedded.api_version, &embedded.kind) {
            (Some(api), kind) if !api.starts_with("tekton.dev/") => Ok(Runs::Custom {
                api_version: api.clone(),
                kind: kind.clone().unwrap_or_default(),
                reference: None,
                spec: embedded.spec.clone(),
            }),
            _ => Ok(Runs::Task(
                Box::new(embedded.task.clone()),
                task.name.clone(),
            )),
        },
        _ => Err(format!("{at}: give exactly one of taskRef and taskSpec")),
    }
}

/// Resolves `run` against `docs`: the Pipeline, each task's Task (or custom
/// task), the DAG, params (PipelineRun's, then defaults; missing ones are an
/// error naming `--param`), workspaces (`shared` host directories by
/// pipeline workspace name; persistentVolumeClaim and volumeClaimTemplate
/// without one get a directory podsim owns for the run), timeouts. `at`
/// names the run in every problem and warning: `PipelineRun NAME`, or
/// `Pipeline NAME` when the run is one made up for a lone Pipeline.
pub fn prepare(
    run: &PipelineRun,
    at: &str,
    docs: &Documents,
    mut shared: BTreeMap<String, PathBuf>,
    features: &FeatureFlags,
) -> Result<PipelinePlan, Vec<String>> {
    let one = |e: String| vec![e];
    let name = run.metadata.name_or("pipelinerun");
    let unsupported = [
        (run.spec.status.is_some(), "spec.status"),
        (run.spec.resources.is_some(), "spec.resources"),
    ];
    if let Some((_, field)) = unsupported.iter().find(|(set, _)| *set) {
        return Err(one(format!("{at}: {field}: not supported by podsim")));
    }
    let (spec, pipeline_name) = match (&run.spec.pipeline_ref, &run.spec.pipeline_spec) {
        (Some(r), None) => {
            let p = docs.pipeline(r).map_err(|e| one(format!("{at}: {e}")))?;
            (p.spec.clone(), p.metadata.name_or("pipeline"))
        }
        (None, Some(spec)) => (spec.clone(), name.clone()),
        _ => {
            return Err(one(format!(
                "{at}: give exactly one of pipelineRef and pipelineSpec"
            )))
        }
    };
    if spec.resources.is_some() {
        return Err(one(format!(
            "{at}: spec.resources: PipelineResources are not supported"
        )));
    }
    let dag = dag::build(&spec.tasks).map_err(|e| one(format!("{at}: {e}")))?;
    let mut problems = Vec::new();
    let mut resolve_all = |tasks: &[PipelineTask]| -> Vec<Runs> {
        tasks
            .iter()
            .filter_map(|t| match resolve_task(t, docs, features) {
                Ok(r) => Some(r),
                Err(e) => {
                    problems.push(format!("{at}: {e}"));
                    None
                }
            })
            .collect()
    };
    let tasks = resolve_all(&spec.tasks);
    let finally = resolve_all(&spec.finally);
    let mut params = Vars::default();
    for decl in &spec.params {
        let given = run.spec.params.iter().find(|p| p.name == decl.name);
        match (given.map(|p| &p.value), &decl.default) {
            (Some(v), _) | (None, Some(v)) => params.param(&decl.name, v.clone()),
            (None, None) => problems.push(format!(
                "{at}: pipeline param {:?} has no value and no default: pass --param {}=VALUE",
                decl.name, decl.name
            )),
        }
    }
    for task in spec.tasks.iter().chain(&spec.finally) {
        let Some(m) = &task.matrix else { continue };
        let uses_results = serde_json::to_string(m).is_ok_and(|t| t.contains("$(tasks."));
        if !uses_results {
            match matrix::fan_out(m, &params) {
                Err(e) => problems.push(format!("{at}: pipeline task {:?}: {e}", task.name)),
                Ok(_) => {
                    if let Some(why) = matrix::miscounted(m, &params) {
                        eprintln!(
                            "podsim: warning: {at}: pipeline task {:?}: {why}",
                            task.name
                        );
                    }
                }
            }
        }
    }
    let mut owned = Vec::new();
    let mut bound = Vec::new();
    for decl in &spec.workspaces {
        let binding = run.spec.workspaces.iter().find(|b| b.name == decl.name);
        let claim = binding.is_some_and(|b| {
            b.persistent_volume_claim.is_some() || b.volume_claim_template.is_some()
        });
        let needs_dir = binding.is_some_and(|b| b.config_map.is_some() || b.secret.is_some());
        if shared.contains_key(&decl.name) {
            bound.push(decl.name.clone());
        } else if claim {
            match tempfile::Builder::new().prefix("podsim-ws-").tempdir() {
                Ok(dir) => {
                    shared.insert(decl.name.clone(), dir.path().to_path_buf());
                    owned.push(dir);
                    bound.push(decl.name.clone());
                }
                Err(e) => problems.push(format!("{at}: workspace {:?}: {e}", decl.name)),
            }
        } else if needs_dir {
            problems.push(format!(
                "{at}: workspace {:?} needs a host directory for its volume: pass --workspace {}=DIR",
                decl.name, decl.name
            ));
        } else if binding.is_some() {
            bound.push(decl.name.clone());
        } else if !decl.optional {
            problems.push(format!(
                "{at}: workspace {:?} is not bound: pass --workspace {}=DIR or bind it in the PipelineRun",
                decl.name, decl.name
            ));
        }
    }
    let timeouts = run.spec.timeouts.clone().unwrap_or_default();
    let pipeline_timeout = timeouts
        .pipeline
        .or_else(|| run.spec.timeout.clone())
        .unwrap_or_else(|| super::taskrun::DEFAULT_TIMEOUT.to_string());
    let durations = (
        duration(Some(&pipeline_timeout), "spec.timeouts.pipeline"),
        duration(timeouts.tasks.as_deref(), "spec.timeouts.tasks"),
        duration(timeouts.finally.as_deref(), "spec.timeouts.finally"),
    );
    let (timeout, tasks_timeout, finally_timeout) = match durations {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (a, b, c) => {
            problems.extend(
                [a.err(), b.err(), c.err()]
                    .into_iter()
                    .flatten()
                    .map(|e| format!("{at}: {e}")),
            );
            (None, None, None)
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let task_names = || {
        spec.tasks
            .iter()
            .chain(&spec.finally)
            .map(|t| t.name.clone())
    };
    for (i, entry) in run.spec.task_run_specs.iter().enumerate() {
        if !task_names().any(|n| n == entry.pipeline_task_name) {
            eprintln!(
                "podsim: warning: {at}: spec.taskRunSpecs[{i}]: pipeline task {:?} is not in the pipeline; ignored, as upstream does",
                entry.pipeline_task_name
            );
        }
    }
    let child_specs = task_names()
        .map(|n| {
            let child = taskrunspec::child_spec(&run.spec, &n);
            (n, child)
        })
        .collect();
    Ok(PipelinePlan {
        uid: run
            .metadata
            .uid
            .clone()
            .unwrap_or_else(|| format!("uid-{name}")),
        namespace: run
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into()),
        name,
        pipeline_name,
        spec,
        dag,
        tasks,
        finally,
        params,
        shared,
        bound,
        timeout,
        tasks_timeout,
        finally_timeout,
        owned,
        features: features.clone(),
        metadata: run.metadata.clone(),
        child_specs,
    })
}

/// A param value with `vars` substituted: strings through
/// [`Vars::apply`], arrays through [`Vars::apply_list`] (so `[*]` splices).
pub fn substitute_value(value: &ParamValue, vars: &Vars) -> ParamValue {
    match value {
        ParamValue::String(s) => {
            let whole = s.strip_prefix("$(").and_then(|v| v.strip_suffix(')'));
            match whole.and_then(|v| vars.0.get(v.strip_suffix("[*]").unwrap_or(v))) {
                Some(v @ (ParamValue::Array(_) | ParamValue::Object(_))) => v.clone(),
                _ => ParamValue::String(vars.apply(s)),
            }
        }
        ParamValue::Array(items) => ParamValue::Array(vars.apply_list(items)),
        ParamValue::Object(map) => ParamValue::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), vars.apply(v)))
                .collect(),
        ),
    }
}
