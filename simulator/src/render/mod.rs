//! Scenario -> the Pod Tekton's controller would build for it.

use std::collections::BTreeMap;

mod parts;
mod step;

use k8s_openapi::api::core::v1::{Container, Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::scenario::Scenario;
use crate::script::{place, placement_program, substitute, PlacedScript, SCRIPTS_DIR};
pub use parts::CREDS_DIR;
use parts::{mount, sidecar_container, volumes};
use step::step_container;

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
            step_container(scenario, options, i, step, &step_names[i], script)
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

    // Upstream puts the whole `entrypoint init ...` line in `command`.
    let mut prepare_command = vec![
        IMAGE_ENTRYPOINT.to_string(),
        "init".to_string(),
        IMAGE_ENTRYPOINT.to_string(),
        BIN_ENTRYPOINT.to_string(),
    ];
    prepare_command.extend(step_names.iter().cloned());
    let mut init_containers = vec![Container {
        name: "prepare".to_string(),
        image: Some(options.entrypoint_image.clone()),
        command: Some(prepare_command),
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
                mount("tekton-internal-bin", "/tekton/bin", false),
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
