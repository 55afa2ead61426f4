//! Fields upstream has that podsim parses but does not run: each one is an
//! error naming it, never silently ignored.

use super::model::{Step, TaskRun, TaskSpec, Unsupported};
use crate::validate::Problem;

fn unsupported(field: &Unsupported, path: String, why: &str, problems: &mut Vec<Problem>) {
    if field.is_some() {
        problems.push(Problem {
            path,
            message: format!("not supported by podsim: {why}"),
        });
    }
}

fn step(step: &Step, at: &str, problems: &mut Vec<Problem>) {
    unsupported(&step.step_ref, format!("{at}.ref"), "StepActions", problems);
    unsupported(
        &step.params,
        format!("{at}.params"),
        "StepAction params",
        problems,
    );
    unsupported(
        &step.env_from,
        format!("{at}.envFrom"),
        "give env values",
        problems,
    );
    unsupported(
        &step.workspaces,
        format!("{at}.workspaces"),
        "step workspaces; every step sees the Task's",
        problems,
    );
    unsupported(
        &step.volume_devices,
        format!("{at}.volumeDevices"),
        "devices",
        problems,
    );
    unsupported(
        &step.ports,
        format!("{at}.ports"),
        "the Pod has no network",
        problems,
    );
}

/// Unsupported fields of a Task spec at `at`.
pub fn task_spec(spec: &TaskSpec, at: &str, problems: &mut Vec<Problem>) {
    unsupported(
        &spec.resources,
        format!("{at}.resources"),
        "PipelineResources (removed upstream)",
        problems,
    );
    for (i, s) in spec.steps.iter().enumerate() {
        step(s, &format!("{at}.steps[{i}]"), problems);
        if s.readiness_probe.is_some() {
            problems.push(Problem {
                path: format!("{at}.steps[{i}].readinessProbe"),
                message: "steps have no readiness probe (sidecars do)".to_string(),
            });
        }
    }
    if let Some(template) = &spec.step_template {
        step(template, &format!("{at}.stepTemplate"), problems);
    }
    for (i, s) in spec.sidecars.iter().enumerate() {
        step(s, &format!("{at}.sidecars[{i}]"), problems);
    }
    for (i, result) in spec.results.iter().enumerate() {
        unsupported(
            &result.value,
            format!("{at}.results[{i}].value"),
            "results taken from StepActions",
            problems,
        );
    }
    for (i, volume) in spec.volumes.iter().enumerate() {
        if volume.empty_dir.is_none() {
            problems.push(Problem {
                path: format!("{at}.volumes[{i}]"),
                message: format!(
                    "volume {:?}: only emptyDir volumes are supported; pass files through a workspace (--workspace NAME=DIR)",
                    volume.name
                ),
            });
        }
    }
}

/// Unsupported fields of a TaskRun.
pub fn task_run(run: &TaskRun, problems: &mut Vec<Problem>) {
    let spec = &run.spec;
    unsupported(
        &spec.status,
        "spec.status".into(),
        "a TaskRun created cancelled",
        problems,
    );
    unsupported(
        &spec.status_message,
        "spec.statusMessage".into(),
        "status messages",
        problems,
    );
    unsupported(&spec.debug, "spec.debug".into(), "breakpoints", problems);
    unsupported(
        &spec.resources,
        "spec.resources".into(),
        "PipelineResources (removed upstream)",
        problems,
    );
    if let Some(template) = &spec.pod_template {
        unsupported(
            &template.volumes,
            "spec.podTemplate.volumes".into(),
            "podTemplate volumes",
            problems,
        );
        unsupported(
            &template.host_aliases,
            "spec.podTemplate.hostAliases".into(),
            "the Pod has no network",
            problems,
        );
    }
    for (i, binding) in spec.workspaces.iter().enumerate() {
        unsupported(
            &binding.projected,
            format!("spec.workspaces[{i}].projected"),
            "projected volumes",
            problems,
        );
        unsupported(
            &binding.csi,
            format!("spec.workspaces[{i}].csi"),
            "CSI volumes",
            problems,
        );
    }
    if let Some(task_ref) = &spec.task_ref {
        unsupported(
            &task_ref.resolver,
            "spec.taskRef.resolver".into(),
            "remote resolution; give the Task in a file or -f DIR",
            problems,
        );
        unsupported(
            &task_ref.bundle,
            "spec.taskRef.bundle".into(),
            "bundles; give the Task in a file or -f DIR",
            problems,
        );
    }
}
