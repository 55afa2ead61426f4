//! A step's container: the entrypoint wrapping the step's command.

use k8s_openapi::api::core::v1::Container;

use super::parts::{env, join_names, mount};
use super::{RenderOptions, BIN_ENTRYPOINT, DOWNWARD_DIR, DOWNWARD_VOLUME, TERMINATION_PATH};
use crate::scenario::{Scenario, Step};
use crate::script::{substitute, PlacedScript, SCRIPTS_DIR};

pub(super) fn step_container(
    scenario: &Scenario,
    options: &RenderOptions,
    index: usize,
    step: &Step,
    container_name: &str,
    script: Option<PlacedScript>,
    has_sidecars: bool,
) -> Container {
    let sub = |text: &str| substitute(text, scenario, step.name.as_deref());
    let mut args: Vec<String> = Vec::new();
    let mut flag = |name: &str, value: String| {
        args.push(name.to_string());
        args.push(value);
    };
    if index == 0 {
        if has_sidecars {
            flag("-wait_file", format!("{DOWNWARD_DIR}/ready"));
            args.push("-wait_file_content".to_string());
        }
    } else {
        flag("-wait_file", format!("/tekton/run/{}/out", index - 1));
    }
    let mut flag = |name: &str, value: String| {
        args.push(name.to_string());
        args.push(value);
    };
    flag("-post_file", format!("/tekton/run/{index}/out"));
    flag("-termination_path", TERMINATION_PATH.to_string());
    flag("-step_metadata_dir", format!("/tekton/run/{index}/status"));
    if let Some(on_error) = &step.on_error {
        flag("-on_error", on_error.clone());
    }
    if let Some(timeout) = &step.timeout {
        flag("-timeout", timeout.clone());
    }
    if let Some(out) = &step.stdout_config {
        flag("-stdout_path", sub(&out.path));
    }
    if let Some(err) = &step.stderr_config {
        flag("-stderr_path", sub(&err.path));
    }
    if !step.results.is_empty() {
        flag(
            "-step_results",
            join_names(step.results.iter().map(|r| r.name.as_str())),
        );
    }
    if !step.when.is_empty() {
        let json = serde_json::to_string(&step.when).unwrap_or_else(|_| "[]".to_string());
        flag("--when_expressions", json);
    }
    if !scenario.results.is_empty() {
        flag(
            "-results",
            join_names(scenario.results.iter().map(|r| r.name.as_str())),
        );
    }
    let mut command: Vec<String> = match &script {
        Some(placed) => vec![placed.path.clone()],
        None => step.command.iter().map(|c| sub(c)).collect(),
    };
    let entrypoint = if command.is_empty() {
        String::new()
    } else {
        command.remove(0)
    };
    flag("-entrypoint", entrypoint);
    args.push("--".to_string());
    args.extend(command);
    args.extend(step.args.iter().map(|a| sub(a)));

    let mut mounts = vec![
        mount("tekton-internal-bin", "/tekton/bin", true),
        mount("tekton-internal-workspace", "/workspace", false),
        mount("tekton-internal-home", "/tekton/home", false),
        mount("tekton-internal-results", "/tekton/results", false),
        mount("tekton-internal-steps", "/tekton/steps", true),
        mount(DOWNWARD_VOLUME, DOWNWARD_DIR, true),
    ];
    if script.is_some() {
        mounts.push(mount("tekton-internal-scripts", SCRIPTS_DIR, true));
    }
    for j in 0..scenario.steps.len() {
        mounts.push(mount(
            &format!("tekton-internal-run-{j}"),
            &format!("/tekton/run/{j}"),
            j != index,
        ));
    }
    mounts.extend(
        step.volume_mounts
            .iter()
            .map(|m| mount(&m.name, &m.mount_path, false)),
    );

    Container {
        name: container_name.to_string(),
        image: Some(
            step.image
                .clone()
                .unwrap_or_else(|| options.shell_image.clone()),
        ),
        command: Some(vec![BIN_ENTRYPOINT.to_string()]),
        args: Some(args),
        env: env(step.env.iter().map(|e| (e.name.clone(), sub(&e.value)))),
        working_dir: Some(
            step.working_dir
                .as_deref()
                .map_or_else(|| "/workspace".to_string(), sub),
        ),
        volume_mounts: Some(mounts),
        termination_message_path: Some(TERMINATION_PATH.to_string()),
        termination_message_policy: Some("File".to_string()),
        ..Container::default()
    }
}
