//! Sidecar containers, the Pod's volumes, and small builders.

use k8s_openapi::api::core::v1::{
    Container, DownwardAPIVolumeFile, DownwardAPIVolumeSource, EmptyDirVolumeSource, EnvVar,
    ExecAction, ObjectFieldSelector, Probe, Volume, VolumeMount,
};

use super::{RenderOptions, CANCEL_ANNOTATION, DOWNWARD_VOLUME, READY_ANNOTATION};
use crate::duration::parse_go_duration;
use crate::scenario::{Scenario, Sidecar};
use crate::script::{PlacedScript, SCRIPTS_DIR};

pub(super) fn sidecar_container(
    options: &RenderOptions,
    sidecar: &Sidecar,
    script: Option<PlacedScript>,
) -> Container {
    let mut mounts: Vec<VolumeMount> = sidecar.volume_mounts.iter().map(own_mount).collect();
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

/// Mounts every step gets unless it mounts something at that path itself:
/// (volume, path, read-only), in upstream's order; their volumes are listed
/// in the Pod with the binary's after the others (and the scripts').
pub(super) const IMPLICIT_MOUNTS: [(&str, &str, bool); 6] = [
    ("tekton-internal-bin", "/tekton/bin", true),
    ("tekton-internal-workspace", "/workspace", false),
    ("tekton-internal-home", "/tekton/home", false),
    ("tekton-internal-results", "/tekton/results", false),
    ("tekton-internal-steps", "/tekton/steps", true),
    ("tekton-internal-artifacts", "/tekton/artifacts", false),
];

/// Where each step's own in-memory credentials volume is mounted.
/// Where each step's credentials volume is mounted (`$(credentials.path)`).
pub const CREDS_DIR: &str = "/tekton/creds";

/// The name of step `index`'s credentials volume.
pub(super) fn creds_volume(index: usize) -> String {
    format!("tekton-creds-init-home-{index}")
}

/// Whether two mount paths name the same directory (`/a/` is `/a`).
pub(super) fn same_path(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// The Pod's volumes in upstream's order: the implicit ones, the scripts,
/// the binary, the downward volume, each step's creds and run volumes, then
/// the Task's own.
pub(super) fn volumes(scenario: &Scenario, has_scripts: bool) -> Vec<Volume> {
    let [bin, implicit @ ..] = IMPLICIT_MOUNTS;
    let mut volumes: Vec<Volume> = implicit
        .iter()
        .map(|(name, _, _)| empty_dir(name.to_string(), None))
        .collect();
    if has_scripts {
        volumes.push(empty_dir("tekton-internal-scripts".to_string(), None));
    }
    volumes.push(empty_dir(bin.0.to_string(), None));
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
    for i in 0..scenario.steps.len() {
        volumes.push(empty_dir(creds_volume(i), Some("Memory")));
        volumes.push(empty_dir(format!("tekton-internal-run-{i}"), None));
    }
    volumes.extend(
        scenario
            .volumes
            .iter()
            .map(|v| empty_dir(v.name.clone(), None)),
    );
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

fn empty_dir(name: String, medium: Option<&str>) -> Volume {
    Volume {
        name,
        empty_dir: Some(EmptyDirVolumeSource {
            medium: medium.map(ToString::to_string),
            ..EmptyDirVolumeSource::default()
        }),
        ..Volume::default()
    }
}

/// A step's or sidecar's own mount, as the Pod gets it.
pub(super) fn own_mount(m: &crate::scenario::Mount) -> VolumeMount {
    VolumeMount {
        sub_path: m.sub_path.clone().filter(|s| !s.is_empty()),
        ..mount(&m.name, &m.mount_path, m.read_only)
    }
}

pub(super) fn mount(name: &str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount {
        name: name.to_string(),
        mount_path: path.to_string(),
        read_only: read_only.then_some(true),
        ..VolumeMount::default()
    }
}

pub(super) fn env(vars: impl Iterator<Item = (String, String)>) -> Option<Vec<EnvVar>> {
    let vars: Vec<EnvVar> = vars
        .map(|(name, value)| EnvVar {
            name,
            value: Some(value),
            ..EnvVar::default()
        })
        .collect();
    (!vars.is_empty()).then_some(vars)
}

pub(super) fn join_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(",")
}
