//! A step's container: the entrypoint wrapping the step's command.

use k8s_openapi::api::core::v1::{Container, VolumeMount};

use super::parts::{
    creds_volume, env, join_names, mount, own_mount, same_path, CREDS_DIR, IMPLICIT_MOUNTS,
};
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
) -> Container {
    let sub = |text: &str| substitute(text, scenario, step.name.as_deref());
    let mut args: Vec<String> = Vec::new();
    let mut flag = |name: &str, value: String| {
        args.push(name.to_string());
        args.push(value);
    };
    if index == 0 {
        // Upstream's default (running-in-environment-with-injected-sidecars:
        // true) has the first step wait for the controller's `ready` even
        // when the Task declares no sidecars: one may be injected.
        flag("-wait_file", format!("{DOWNWARD_DIR}/ready"));
        args.push("-wait_file_content".to_string());
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

    // Upstream's order: the step's own mounts, the scripts, the downward
    // volume, this step's creds, every step's run volume, then the implicit
    // mounts.
    let mut mounts: Vec<VolumeMount> = step.volume_mounts.iter().map(own_mount).collect();
    if script.is_some() {
        mounts.push(mount("tekton-internal-scripts", SCRIPTS_DIR, true));
    }
    mounts.push(mount(DOWNWARD_VOLUME, DOWNWARD_DIR, true));
    mounts.push(mount(&creds_volume(index), CREDS_DIR, false));
    for j in 0..scenario.steps.len() {
        mounts.push(mount(
            &format!("tekton-internal-run-{j}"),
            &format!("/tekton/run/{j}"),
            j != index,
        ));
    }
    mounts.extend(
        IMPLICIT_MOUNTS
            .iter()
            .filter_map(|(name, path, read_only)| {
                let taken = step
                    .volume_mounts
                    .iter()
                    .any(|m| same_path(&m.mount_path, path));
                (!taken).then(|| mount(name, path, *read_only))
            }),
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
        // Unset, like upstream: the image's working directory.
        working_dir: step.working_dir.as_deref().map(sub),
        volume_mounts: Some(mounts),
        termination_message_path: Some(TERMINATION_PATH.to_string()),
        termination_message_policy: Some("File".to_string()),
        ..Container::default()
    }
}
