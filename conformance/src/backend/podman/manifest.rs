//! Adapting a rendered Pod to what `podman kube play` 4.x can run
//! (conformance/podman/NOTES.md, section 1).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::{Container, HostPathVolumeSource, Pod, Volume, VolumeMount};

/// Label that marks everything this harness creates.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "stepwise-conformance");
/// Keeps init containers (and their exit codes) around after they ran.
pub const INIT_TYPE: (&str, &str) = ("io.podman.annotations.init.container.type", "always");

/// Host-side files of one adapted Pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFiles {
    /// The directory standing in for the downward API volume, if the Pod has one.
    pub downward: Option<PathBuf>,
    /// Container name -> host file mounted at its `terminationMessagePath`.
    pub termination: BTreeMap<String, PathBuf>,
}

/// Rewrites `pod` for podman under the name `pod_name`, with host files in
/// `run_dir`: labels and the init-container annotation, `imagePullPolicy:
/// Never`, emptyDirs renamed `<pod>-<name>` (podman shares named volumes
/// between pods), the downward volume as a `hostPath` directory, a `hostPath`
/// file at each `terminationMessagePath`, probes removed (the harness probes
/// itself). Pure: creating the host files is [`create_host_files`]'s job.
pub fn adapt(pod: &Pod, pod_name: &str, run_dir: &Path) -> (Pod, HostFiles) {
    let mut pod = pod.clone();
    let metadata = &mut pod.metadata;
    metadata.name = Some(pod_name.to_string());
    metadata.namespace = None;
    metadata
        .labels
        .get_or_insert_with(BTreeMap::new)
        .insert(MANAGED_BY.0.to_string(), MANAGED_BY.1.to_string());
    metadata
        .annotations
        .get_or_insert_with(BTreeMap::new)
        .insert(INIT_TYPE.0.to_string(), INIT_TYPE.1.to_string());
    let mut files = HostFiles {
        downward: None,
        termination: BTreeMap::new(),
    };
    let Some(spec) = pod.spec.as_mut() else {
        return (pod, files);
    };

    let mut renamed: HashMap<String, String> = HashMap::new();
    for volume in spec.volumes.iter_mut().flatten() {
        let new_name = format!("{pod_name}-{}", short(&volume.name));
        renamed.insert(volume.name.clone(), new_name.clone());
        if volume.downward_api.is_some() {
            let dir = run_dir.join("downward");
            *volume = host_path(&new_name, &dir, "Directory");
            files.downward = Some(dir);
        } else {
            volume.name = new_name;
        }
    }
    let mut extra: Vec<Volume> = Vec::new();
    let all = spec
        .init_containers
        .iter_mut()
        .flatten()
        .map(|c| (c, true))
        .chain(spec.containers.iter_mut().map(|c| (c, false)));
    for (container, init) in all {
        adapt_container(container, &renamed);
        if init {
            continue;
        }
        if let Some(path) = container.termination_message_path.clone() {
            let index = files.termination.len();
            let host = run_dir.join("term").join(&container.name);
            let name = format!("{pod_name}-term-{index}");
            extra.push(host_path(&name, &host, "File"));
            container
                .volume_mounts
                .get_or_insert_with(Vec::new)
                .push(VolumeMount {
                    name,
                    mount_path: path,
                    ..VolumeMount::default()
                });
            files.termination.insert(container.name.clone(), host);
        }
    }
    spec.volumes.get_or_insert_with(Vec::new).extend(extra);
    (pod, files)
}

fn adapt_container(container: &mut Container, renamed: &HashMap<String, String>) {
    container.image_pull_policy = Some("Never".to_string());
    container.readiness_probe = None;
    container.liveness_probe = None;
    container.startup_probe = None;
    for mount in container.volume_mounts.iter_mut().flatten() {
        if let Some(new_name) = renamed.get(&mount.name) {
            mount.name = new_name.clone();
        }
    }
}

/// `tekton-internal-run-0` -> `run-0`: keeps `<pod>-<name>` a DNS label.
fn short(name: &str) -> &str {
    name.strip_prefix("tekton-internal-").unwrap_or(name)
}

fn host_path(name: &str, path: &Path, kind: &str) -> Volume {
    Volume {
        name: name.to_string(),
        host_path: Some(HostPathVolumeSource {
            path: path.display().to_string(),
            type_: Some(kind.to_string()),
        }),
        ..Volume::default()
    }
}

/// Creates the downward directory and empty termination files of `files`.
pub fn create_host_files(files: &HostFiles) -> std::io::Result<()> {
    if let Some(dir) = &files.downward {
        std::fs::create_dir_all(dir)?;
    }
    for file in files.termination.values() {
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(file, b"")?;
    }
    Ok(())
}

/// Writes `value` into `dir/name` atomically, the way the kubelet updates a
/// downward API file.
pub fn write_downward(dir: &Path, name: &str, value: &str) -> std::io::Result<()> {
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, value)?;
    std::fs::rename(&tmp, dir.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use simulator::render::{render, RenderOptions};

    #[test]
    fn adapts_volumes_mounts_and_termination_files() {
        let text = "name: t\nsidecars:\n  - name: s\n    command: [sleep, '1']\n    readinessProbe: {exec: [true]}\nsteps:\n  - name: a\n    command: [echo]\n";
        let scenario: simulator::scenario::Scenario = serde_norway::from_str(text).unwrap();
        let pod = render(&scenario, &RenderOptions::default());
        let (pod, files) = adapt(&pod, "sw-t-1", Path::new("/run/x"));
        assert_eq!(pod.metadata.name.as_deref(), Some("sw-t-1"));
        let spec = pod.spec.unwrap();
        let names: Vec<&str> = spec
            .volumes
            .iter()
            .flatten()
            .map(|v| v.name.as_str())
            .collect();
        assert!(
            names.contains(&"sw-t-1-run-0")
                && names.contains(&"sw-t-1-downward")
                && names.contains(&"sw-t-1-term-0"),
            "{names:?}"
        );
        let step = &spec.containers[0];
        assert!(step
            .volume_mounts
            .iter()
            .flatten()
            .all(|m| m.name.starts_with("sw-t-1-")));
        assert!(step
            .volume_mounts
            .iter()
            .flatten()
            .any(|m| m.mount_path == "/tekton/termination"));
        assert!(spec.containers[1].readiness_probe.is_none());
        assert_eq!(
            files.downward.as_deref(),
            Some(Path::new("/run/x/downward"))
        );
        assert_eq!(
            files.termination.get("step-a").map(PathBuf::as_path),
            Some(Path::new("/run/x/term/step-a"))
        );
        assert!(spec
            .init_containers
            .iter()
            .flatten()
            .all(|c| c.image_pull_policy.as_deref() == Some("Never")));
    }
}
