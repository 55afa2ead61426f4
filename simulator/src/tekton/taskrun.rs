//! One TaskRun -> a [`RunPlan`]: parameters resolved and typed, variables
//! substituted, `stepTemplate` applied, workspaces mounted (bound to host
//! directories where the caller gave one), then rendered through
//! [`crate::render`] as a scenario would be.

use std::collections::BTreeMap;
use std::path::PathBuf;

use k8s_openapi::api::core::v1::EnvVar;

use super::features::{admit_when_cel, FeatureFlags};
use super::image::ImageCommands;
use super::model::{ParamValue, ResultDecl, Step, TaskRun, TaskSpec};
use super::pod::Owner;
use super::substitute::Vars;
use crate::plan::{self, RunPlan};
use crate::render::RenderOptions;
use crate::scenario::{self, Mount, ReadinessProbe, ResultSpec, Scenario, VolumeSpec};
use crate::validate::{validate, Problem, Problems};

/// Upstream's default TaskRun timeout.
pub const DEFAULT_TIMEOUT: &str = "1h";

/// What the caller adds to a TaskRun: host directories for workspaces, the
/// pipeline's context, the commands of images.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Host directory per workspace name (`--workspace NAME=DIR`, a PipelineRun's shared dirs).
    pub workspace_dirs: BTreeMap<String, PathBuf>,
    /// Extra variables (`context.pipelineRun.name`, `context.pipelineTask.retries`...).
    pub extra: BTreeMap<String, String>,
    /// Commands of images for steps that give only an image.
    pub images: ImageCommands,
    /// The feature flags in force.
    pub features: FeatureFlags,
}

/// A TaskRun ready to run: the scenario it became and the plan.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The TaskRun's name.
    pub name: String,
    /// The Task spec after substitution.
    pub scenario: Scenario,
    /// The plan to give the runtime.
    pub plan: RunPlan,
    /// The Task spec as resolved (before substitution), for the status.
    pub task_spec: TaskSpec,
}

pub(super) fn problem(path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        path: path.into(),
        message: message.into(),
    }
}

/// Prepares `run` whose Task is `spec` (named `task_name`): every problem
/// found (a parameter without a value or of the wrong type, an unbound
/// workspace, an unsupported field, what [`validate`] finds in the
/// substituted steps) is returned, not only the first.
pub fn prepare(
    run: &TaskRun,
    spec: &TaskSpec,
    task_name: &str,
    context: &Context,
    options: &RenderOptions,
) -> Result<Prepared, Problems> {
    let mut problems = Vec::new();
    super::check::task_spec(spec, "spec", &mut problems);
    super::check::task_run(run, &mut problems);
    let name = run.metadata.name_or("taskrun");
    let mut vars = Vars::default();
    params(run, spec, &mut vars, &mut problems);
    let namespace = run.metadata.namespace.as_deref().unwrap_or("default");
    let run_uid = run.metadata.uid.clone().unwrap_or_else(|| uid(&name));
    vars.set("context.taskRun.name", name.clone());
    vars.set("context.taskRun.namespace", namespace);
    vars.set("context.taskRun.uid", run_uid.clone());
    vars.set("context.task.name", task_name);
    vars.set("context.task.retry-count", "0");
    // Upstream's credentials directory (`pkg/apis/pipeline.CredsDir`), each
    // step's own in-memory volume.
    vars.set("credentials.path", crate::render::CREDS_DIR);
    for (key, value) in &context.extra {
        vars.set(key.clone(), value.clone());
    }
    for result in &spec.results {
        vars.set(
            format!("results.{}.path", result.name),
            format!("/tekton/results/{}", result.name),
        );
    }
    let (volumes, mounts, bindings) =
        super::workspace::workspaces(run, spec, context, &mut vars, &mut problems);

    let template = spec.step_template.clone().unwrap_or_default();
    // The podTemplate's env comes after each step's own and so wins, as on
    // upstream's Pod (steps only, not sidecars).
    let pod_env: &[EnvVar] = run.spec.pod_template.as_ref().map_or(&[], |t| &t.env);
    let mut steps = Vec::new();
    for (i, step) in spec.steps.iter().enumerate() {
        let mut merged = merge(&template, step);
        merged.env.extend(pod_env.iter().cloned());
        let at = format!("spec.steps[{i}]");
        if let Err((path, why)) = admit_when_cel(&step.when, &at, &context.features) {
            problems.push(problem(path, why));
        }
        let mut out = convert(&merged, &vars, &at, &mut problems);
        if out.command.is_empty() && out.script.is_none() {
            match context.images.command(out.image.as_deref()) {
                Ok(command) => out.command = command,
                Err(why) => problems.push(problem(&at, why)),
            }
        }
        out.volume_mounts.extend(mounts.iter().cloned());
        steps.push(out);
    }
    let mut sidecars = Vec::new();
    for (i, sidecar) in spec.sidecars.iter().enumerate() {
        let at = format!("spec.sidecars[{i}]");
        let step = convert(sidecar, &vars, &at, &mut problems);
        let probe = sidecar.readiness_probe.as_ref().and_then(|p| {
            let exec = p.exec.as_ref().and_then(|e| e.command.clone());
            if exec.is_none() {
                problems.push(problem(
                    format!("{at}.readinessProbe"),
                    "only exec readiness probes are supported",
                ));
            }
            exec.map(|exec| ReadinessProbe {
                exec,
                file: None,
                period: Some(format!("{}s", p.period_seconds.unwrap_or(10).max(1))),
            })
        });
        let mut volume_mounts = step.volume_mounts;
        volume_mounts.extend(mounts.iter().cloned());
        sidecars.push(scenario::Sidecar {
            name: step.name.unwrap_or_else(|| format!("unnamed-{i}")),
            image: step.image,
            command: step.command,
            args: step.args,
            script: step.script,
            env: step.env,
            working_dir: step.working_dir,
            readiness_probe: probe,
            volume_mounts,
        });
    }
    let mut scenario_volumes: Vec<VolumeSpec> = spec
        .volumes
        .iter()
        .map(|v| VolumeSpec {
            name: v.name.clone(),
        })
        .collect();
    scenario_volumes.extend(volumes);
    let timeout = match &run.spec.timeout {
        Some(t) => t.clone(),
        None => DEFAULT_TIMEOUT.to_string(),
    };
    let scenario = Scenario {
        name: name.clone(),
        description: spec.description.clone(),
        steps,
        sidecars,
        results: results(&spec.results),
        timeout: Some(timeout),
        retries: run.spec.retries,
        volumes: scenario_volumes,
    };
    if let Err(found) = validate(&scenario) {
        for p in found.0 {
            let path = format!("spec.{}", p.path);
            // A step already reported (its image has no known command) is not reported twice.
            if !problems.iter().any(|q| q.path == path) {
                problems.push(Problem {
                    path,
                    message: p.message,
                });
            }
        }
    }
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    let mut plan = plan::from_scenario(&scenario, options);
    plan.bindings = bindings;
    let owner = Owner {
        name: &name,
        namespace,
        uid: &run_uid,
        task_ref: run.spec.task_ref.as_ref().map(|_| task_name),
    };
    super::pod::mark(&mut plan.pod, run, owner);
    Ok(Prepared {
        name,
        scenario,
        plan,
        task_spec: spec.clone(),
    })
}

fn params(run: &TaskRun, spec: &TaskSpec, vars: &mut Vars, problems: &mut Vec<Problem>) {
    for (i, decl) in spec.params.iter().enumerate() {
        let given = run.spec.params.iter().find(|p| p.name == decl.name);
        let value = match (given, &decl.default) {
            (Some(p), _) => p.value.clone(),
            (None, Some(default)) => default.clone(),
            (None, None) => {
                problems.push(problem(
                    format!("spec.params[{i}]"),
                    format!(
                        "param {:?} has no value and no default: pass --param {}=VALUE",
                        decl.name, decl.name
                    ),
                ));
                continue;
            }
        };
        let want = decl.kind.as_deref().unwrap_or("string");
        let value = match (want, value) {
            // Upstream reads a string given for an object/array param as JSON.
            ("array" | "object", ParamValue::String(text)) => {
                match serde_json::from_str::<ParamValue>(&text) {
                    Ok(v) => v,
                    Err(_) => ParamValue::String(text),
                }
            }
            (_, v) => v,
        };
        if value.kind() != want {
            problems.push(problem(
                format!("spec.params[{i}]"),
                format!(
                    "param {:?} is declared {want} but got a {} value",
                    decl.name,
                    value.kind()
                ),
            ));
            continue;
        }
        if !decl.allowed.is_empty() {
            if let ParamValue::String(s) = &value {
                if !decl.allowed.contains(s) {
                    problems.push(problem(
                        format!("spec.params[{i}]"),
                        format!(
                            "param {:?}: {s:?} is not in its enum {:?}",
                            decl.name, decl.allowed
                        ),
                    ));
                }
            }
        }
        vars.param(&decl.name, value);
    }
}

/// `step` with `template`'s fields where the step has none; `env` merged by name.
fn merge(template: &Step, step: &Step) -> Step {
    let mut out = step.clone();
    if out.image.is_none() {
        out.image = template.image.clone();
    }
    if out.working_dir.is_none() {
        out.working_dir = template.working_dir.clone();
    }
    if out.command.is_empty() && out.script.is_none() {
        out.command = template.command.clone();
        if out.args.is_empty() {
            out.args = template.args.clone();
        }
    }
    let mut env: Vec<EnvVar> = template
        .env
        .iter()
        .filter(|t| !step.env.iter().any(|e| e.name == t.name))
        .cloned()
        .collect();
    env.extend(step.env.iter().cloned());
    out.env = env;
    out.volume_mounts.extend(
        template
            .volume_mounts
            .iter()
            .filter(|t| !step.volume_mounts.iter().any(|m| m.name == t.name))
            .cloned(),
    );
    out
}

fn convert(step: &Step, vars: &Vars, at: &str, problems: &mut Vec<Problem>) -> scenario::Step {
    let env = step
        .env
        .iter()
        .enumerate()
        .filter_map(|(j, e)| {
            if e.value_from.is_some() {
                problems.push(problem(
                    format!("{at}.env[{j}].valueFrom"),
                    "valueFrom is not supported: give a value",
                ));
                return None;
            }
            Some(scenario::EnvVar {
                name: e.name.clone(),
                value: vars.apply(e.value.as_deref().unwrap_or("")),
            })
        })
        .collect();
    let volume_mounts = step
        .volume_mounts
        .iter()
        .map(|m| Mount {
            name: vars.apply(&m.name),
            mount_path: vars.apply(&m.mount_path),
            sub_path: m.sub_path.as_deref().map(|s| vars.apply(s)),
            read_only: m.read_only.unwrap_or(false),
        })
        .collect();
    scenario::Step {
        name: step.name.clone(),
        image: step.image.as_deref().map(|i| vars.apply(i)),
        command: vars.apply_list(&step.command),
        args: vars.apply_list(&step.args),
        script: step.script.as_deref().map(|s| vars.apply(s)),
        env,
        working_dir: step.working_dir.as_deref().map(|w| vars.apply(w)),
        on_error: step.on_error.as_deref().map(|o| vars.apply(o)),
        timeout: step.timeout.clone(),
        results: results(&step.results),
        stdout_config: step.stdout_config.as_ref().map(|o| scenario::OutputConfig {
            path: vars.apply(&o.path),
        }),
        stderr_config: step.stderr_config.as_ref().map(|o| scenario::OutputConfig {
            path: vars.apply(&o.path),
        }),
        when: step
            .when
            .iter()
            .map(|w| vars.apply_when(w).into())
            .collect(),
        volume_mounts,
    }
}

fn results(decls: &[ResultDecl]) -> Vec<ResultSpec> {
    decls
        .iter()
        .map(|r| ResultSpec {
            name: r.name.clone(),
            kind: r.kind.clone(),
            description: r.description.clone(),
        })
        .collect()
}

/// A stable UID-shaped string for a run without one.
fn uid(name: &str) -> String {
    let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for byte in name.bytes() {
        hash ^= u128::from(byte);
        hash = hash.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    let hex = format!("{hash:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
