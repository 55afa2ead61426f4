//! Scenario -> the Pod Tekton's controller would build for it.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, DownwardAPIVolumeFile, DownwardAPIVolumeSource, EmptyDirVolumeSource, EnvVar,
    ExecAction, ObjectFieldSelector, Pod, PodSpec, Probe, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::duration::parse_go_duration;
use crate::scenario::{Scenario, Sidecar, Step};
use crate::script::{place, placement_program, substitute, PlacedScript, SCRIPTS_DIR};

/// Images the rendered Pod refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// Image holding the entrypoint binary at `/ko-app/entrypoint`.
    pub entrypoint_image: String,
    /// Image with `sh`, used by `place-scripts` and by steps without an image.
    pub shell_image: String,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            entrypoint_image: "localhost/stepwise/entrypoint:dev".to_string(),
            shell_image: "localhost/stepwise/shell:dev".to_string(),
        }
    }
}

/// Where the entrypoint image keeps the binary.
pub const IMAGE_ENTRYPOINT: &str = "/ko-app/entrypoint";
/// Where steps find the copied binary.
pub const BIN_ENTRYPOINT: &str = "/tekton/bin/entrypoint";
/// Per-container termination message path of steps.
pub const TERMINATION_PATH: &str = "/tekton/termination";
/// The downward volume's mount path.
pub const DOWNWARD_DIR: &str = "/tekton/downward";
/// Name of the downward volume.
pub const DOWNWARD_VOLUME: &str = "tekton-internal-downward";
/// Annotation the controller sets to `READY` once sidecars are ready.
pub const READY_ANNOTATION: &str = "tekton.dev/ready";
/// Annotation the controller sets to `CANCEL` to cancel the steps.
pub const CANCEL_ANNOTATION: &str = "tekton.dev/cancel";

/// Renders `scenario` into the Pod Tekton's controller would create for a
/// TaskRun of it: the `prepare` init container (`entrypoint init`), a
/// `place-scripts` init container when any step or sidecar has a script, one
/// `step-<name>` container per step wrapped by `/tekton/bin/entrypoint` with
/// upstream's argument order, `sidecar-<name>` containers, and the internal
/// volumes. The scenario should have passed [`crate::validate::validate`];
/// rendering itself never fails (a step with neither command nor script gets
/// an empty `-entrypoint`).
pub fn render(scenario: &Scenario, options: &RenderOptions) -> Pod {
    let step_names: Vec<String> = scenario
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| s.container_name(i))
        .collect();
    let mut scripts: Vec<PlacedScript> = Vec::new();
    let has_sidecars = !scenario.sidecars.is_empty();

    let mut containers: Vec<Container> = scenario
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let script = step.script.as_ref().map(|body| {
                let body = substitute(body, scenario, step.name.as_deref());
                let placed = place("script", i, &step_names[i], &body);
                scripts.push(placed.clone());
                placed
            });
            step_container(
                scenario,
                options,
                i,
                step,
                &step_names[i],
                script,
                has_sidecars,
            )
        })
        .collect();
    for (i, sidecar) in scenario.sidecars.iter().enumerate() {
        let script = sidecar.script.as_ref().map(|body| {
            let placed = place("sidecar-script", i, &sidecar.container_name(), body);
            scripts.push(placed.clone());
            placed
        });
        containers.push(sidecar_container(options, sidecar, script));
    }

    let mut prepare_args = vec![
        "init".to_string(),
        IMAGE_ENTRYPOINT.to_string(),
        BIN_ENTRYPOINT.to_string(),
    ];
    prepare_args.extend(step_names.iter().cloned());
    let mut init_containers = vec![Container {
        name: "prepare".to_string(),
        image: Some(options.entrypoint_image.clone()),
        command: Some(vec![IMAGE_ENTRYPOINT.to_string()]),
        args: Some(prepare_args),
        volume_mounts: Some(vec![
            mount("tekton-internal-bin", "/tekton/bin", false),
            mount("tekton-internal-steps", "/tekton/steps", false),
        ]),
        working_dir: Some("/".to_string()),
        ..Container::default()
    }];
    if !scripts.is_empty() {
        init_containers.push(Container {
            name: "place-scripts".to_string(),
            image: Some(options.shell_image.clone()),
            command: Some(vec!["sh".to_string()]),
            args: Some(vec![
                "-c".to_string(),
                placement_program(&scripts, BIN_ENTRYPOINT),
            ]),
            volume_mounts: Some(vec![
                mount("tekton-internal-scripts", SCRIPTS_DIR, false),
                mount("tekton-internal-bin", "/tekton/bin", true),
            ]),
            ..Container::default()
        });
    }

    Pod {
        metadata: ObjectMeta {
            name: Some(format!("{}-pod", scenario.name)),
            labels: Some(BTreeMap::from([
                (
                    "app.kubernetes.io/managed-by".to_string(),
                    "tekton-pipelines".to_string(),
                ),
                ("tekton.dev/task".to_string(), scenario.name.clone()),
            ])),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            restart_policy: Some("Never".to_string()),
            init_containers: Some(init_containers),
            containers,
            volumes: Some(volumes(scenario, !scripts.is_empty())),
            ..PodSpec::default()
        }),
        status: None,
    }
}

fn step_container(
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

fn sidecar_container(
    options: &RenderOptions,
    sidecar: &Sidecar,
    script: Option<PlacedScript>,
) -> Container {
    let mut mounts: Vec<VolumeMount> = sidecar
        .volume_mounts
        .iter()
        .map(|m| mount(&m.name, &m.mount_path, false))
        .collect();
    let command = match &script {
        Some(placed) => {
            mounts.push(mount("tekton-internal-scripts", SCRIPTS_DIR, true));
            vec![placed.path.clone()]
        }
        None => sidecar.command.clone(),
    };
    let readiness_probe = sidecar.readiness_probe.as_ref().map(|probe| {
        let command = match &probe.file {
            Some(file) => vec!["test".to_string(), "-e".to_string(), file.clone()],
            None => probe.exec.clone(),
        };
        let period = probe
            .period
            .as_deref()
            .and_then(|p| parse_go_duration(p).ok())
            .map_or(1, |d| d.as_secs_f64().ceil().max(1.0) as i32);
        Probe {
            exec: Some(ExecAction {
                command: Some(command),
            }),
            period_seconds: Some(period),
            ..Probe::default()
        }
    });
    Container {
        name: sidecar.container_name(),
        image: Some(
            sidecar
                .image
                .clone()
                .unwrap_or_else(|| options.shell_image.clone()),
        ),
        command: Some(command),
        args: (!sidecar.args.is_empty()).then(|| sidecar.args.clone()),
        env: env(sidecar
            .env
            .iter()
            .map(|e| (e.name.clone(), e.value.clone()))),
        working_dir: sidecar.working_dir.clone(),
        volume_mounts: (!mounts.is_empty()).then_some(mounts),
        readiness_probe,
        ..Container::default()
    }
}

fn volumes(scenario: &Scenario, has_scripts: bool) -> Vec<Volume> {
    let mut names: Vec<String> = [
        "tekton-internal-workspace",
        "tekton-internal-home",
        "tekton-internal-results",
        "tekton-internal-steps",
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    if has_scripts {
        names.push("tekton-internal-scripts".to_string());
    }
    names.push("tekton-internal-bin".to_string());
    names.extend((0..scenario.steps.len()).map(|i| format!("tekton-internal-run-{i}")));
    let mut volumes: Vec<Volume> = names.into_iter().map(empty_dir).collect();
    volumes.push(Volume {
        name: DOWNWARD_VOLUME.to_string(),
        downward_api: Some(DownwardAPIVolumeSource {
            items: Some(vec![
                downward_item("ready", READY_ANNOTATION),
                downward_item("cancel", CANCEL_ANNOTATION),
            ]),
            ..DownwardAPIVolumeSource::default()
        }),
        ..Volume::default()
    });
    volumes.extend(scenario.volumes.iter().map(|v| empty_dir(v.name.clone())));
    volumes
}

fn downward_item(path: &str, annotation: &str) -> DownwardAPIVolumeFile {
    DownwardAPIVolumeFile {
        path: path.to_string(),
        field_ref: Some(ObjectFieldSelector {
            field_path: format!("metadata.annotations['{annotation}']"),
            ..ObjectFieldSelector::default()
        }),
        ..DownwardAPIVolumeFile::default()
    }
}

fn empty_dir(name: String) -> Volume {
    Volume {
        name,
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Volume::default()
    }
}

fn mount(name: &str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount {
        name: name.to_string(),
        mount_path: path.to_string(),
        read_only: read_only.then_some(true),
        ..VolumeMount::default()
    }
}

fn env(vars: impl Iterator<Item = (String, String)>) -> Option<Vec<EnvVar>> {
    let vars: Vec<EnvVar> = vars
        .map(|(name, value)| EnvVar {
            name,
            value: Some(value),
            ..EnvVar::default()
        })
        .collect();
    (!vars.is_empty()).then_some(vars)
}

fn join_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(",")
}
