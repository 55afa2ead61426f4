//! The pure part of the kind/cluster backend: the Pod sent to the API server, the
//! patch bodies the controller sends, and reading container states back.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use serde_json::{json, Value};

use crate::backend::controller::SidecarState;
use crate::backend::judge::{self, StepFacts};
use crate::timestamp;
use simulator::render::READY_ANNOTATION;

/// Label that marks the Pods this harness creates.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "stepwise-conformance");

/// The rendered `pod` as created on the cluster: named `name` in
/// `namespace`, labelled, bound to `node` when given (no scheduler needed),
/// images never pulled when they are `localhost/` ones (`kind load` or
/// scripts/cluster put them on the node) and pulled if absent otherwise.
/// A TaskRun's owner reference is dropped: no such TaskRun exists on the
/// cluster, and the garbage collector deletes a Pod whose owner is gone.
pub fn prepare(pod: &Pod, name: &str, namespace: &str, node: Option<&str>) -> Pod {
    let mut pod = pod.clone();
    pod.metadata.name = Some(name.to_string());
    pod.metadata.namespace = Some(namespace.to_string());
    pod.metadata.owner_references = None;
    pod.metadata
        .labels
        .get_or_insert_with(BTreeMap::new)
        .insert(MANAGED_BY.0.to_string(), MANAGED_BY.1.to_string());
    if let Some(spec) = pod.spec.as_mut() {
        if let Some(node) = node {
            spec.node_name = Some(node.to_string());
        }
        for container in crate::podspec::containers_mut(spec) {
            let local = container
                .image
                .as_deref()
                .is_some_and(|i| i.starts_with("localhost/"));
            container.image_pull_policy =
                Some(if local { "Never" } else { "IfNotPresent" }.to_string());
        }
    }
    pod
}

/// Sets the controller's `tekton.dev/ready=READY` annotation on `pod`.
pub fn annotate_ready(pod: &mut Pod) {
    pod.metadata
        .annotations
        .get_or_insert_with(BTreeMap::new)
        .insert(READY_ANNOTATION.to_string(), "READY".to_string());
}

/// The JSON merge patch that sets one annotation (`tekton.dev/ready=READY`,
/// `tekton.dev/cancel=CANCEL`), as Tekton's controller sends it.
pub fn annotation_patch(key: &str, value: &str) -> Value {
    json!({ "metadata": { "annotations": { key: value } } })
}

/// The strategic merge patch that stops `sidecars` by swapping their image
/// for `nop_image` (which exits at once), for those still running or
/// waiting in `pod`'s status; `None` when none is.
pub fn stop_sidecars_patch(pod: &Pod, sidecars: &[String], nop_image: &str) -> Option<Value> {
    let containers: Vec<Value> = sidecars
        .iter()
        .filter(|name| {
            status_of(pod, name)
                .is_none_or(|s| s.state.as_ref().is_none_or(|st| st.terminated.is_none()))
        })
        .map(|name| json!({ "name": name, "image": nop_image }))
        .collect();
    (!containers.is_empty()).then(|| json!({ "spec": { "containers": containers } }))
}

/// How long the nop-image swap of `sidecars` sidecars may take on `pod`: the
/// kubelet stops the containers it restarts one after the other, each for up
/// to the Pod's termination grace period (30 s by default; a `sleep` as PID 1
/// ignores SIGTERM and uses all of it), plus a minute for the restarts.
pub fn sidecar_stop_limit(pod: &Pod, sidecars: usize) -> Duration {
    let grace = pod
        .spec
        .as_ref()
        .and_then(|s| s.termination_grace_period_seconds)
        .unwrap_or(30)
        .clamp(0, 3600);
    let count = u64::try_from(sidecars).unwrap_or(u64::MAX);
    let grace = u64::try_from(grace).unwrap_or(30);
    Duration::from_secs(grace.saturating_mul(count).saturating_add(60))
}

/// The status entry of container `name`.
pub fn status_of<'a>(pod: &'a Pod, name: &str) -> Option<&'a ContainerStatus> {
    pod.status
        .as_ref()?
        .container_statuses
        .as_ref()?
        .iter()
        .find(|s| s.name == name)
}

/// A sidecar's state from its status entry.
pub fn sidecar_state(pod: &Pod, name: &str) -> SidecarState {
    let Some(status) = status_of(pod, name) else {
        return SidecarState::Waiting;
    };
    let state = status.state.as_ref();
    if state.is_some_and(|s| s.terminated.is_some()) {
        SidecarState::Exited
    } else if state.is_some_and(|s| s.running.is_some()) {
        if status.ready {
            SidecarState::Ready
        } else {
            SidecarState::Running
        }
    } else {
        SidecarState::Waiting
    }
}

/// The Pod's phase (`Pending`, `Running`, `Succeeded`, `Failed`), `Pending` when unset.
pub fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Pending")
}

/// Whether the main containers have been started: phase past `Pending`.
pub fn started(pod: &Pod) -> bool {
    phase(pod) != "Pending"
}

/// The reason an init container failed, if one did.
pub fn init_failure(pod: &Pod) -> Option<String> {
    let statuses = pod.status.as_ref()?.init_container_statuses.as_ref()?;
    statuses.iter().find_map(|s| {
        let t = s.state.as_ref()?.terminated.as_ref()?;
        (t.exit_code != 0).then(|| {
            format!(
                "init container {:?} exited with code {}",
                s.name, t.exit_code
            )
        })
    })
}

/// Whether every container in `names` has terminated (or the Pod is over).
pub fn all_terminated(pod: &Pod, names: &[String]) -> bool {
    matches!(phase(pod), "Succeeded" | "Failed")
        || names.iter().all(|n| {
            status_of(pod, n)
                .and_then(|s| s.state.as_ref())
                .is_some_and(|s| s.terminated.is_some())
        })
}

/// Exit code, end time and termination message of container `name`, when
/// it terminated. `killed_at`: containers still running when the harness
/// killed the Pod count as killed by SIGKILL then.
pub fn step_facts(pod: &Pod, name: &str, killed_at: Option<SystemTime>) -> StepFacts {
    let terminated = status_of(pod, name)
        .and_then(|s| s.state.as_ref())
        .and_then(|s| s.terminated.as_ref());
    match terminated {
        Some(t) => {
            let at = t
                .finished_at
                .as_ref()
                .and_then(|time| timestamp::parse(&time.0.to_string()))
                .unwrap_or_else(SystemTime::now);
            StepFacts {
                exit: Some(judge::exit_from_code(t.exit_code, at)),
                message: t.message.clone().unwrap_or_default(),
            }
        }
        None => StepFacts {
            exit: killed_at.map(|at| judge::exit_from_code(137, at)),
            message: String::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Pod {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn annotation_patch_is_a_merge_patch_of_one_annotation() {
        assert_eq!(
            annotation_patch("tekton.dev/ready", "READY"),
            json!({"metadata": {"annotations": {"tekton.dev/ready": "READY"}}})
        );
    }

    #[test]
    fn running_pod_sidecar_states_and_stop_patch() {
        let pod = fixture("kind-pod-running.json");
        assert_eq!(phase(&pod), "Running");
        assert_eq!(sidecar_state(&pod, "sidecar-server"), SidecarState::Ready);
        assert_eq!(sidecar_state(&pod, "sidecar-slow"), SidecarState::Running);
        assert_eq!(
            sidecar_state(&pod, "sidecar-missing"),
            SidecarState::Waiting
        );
        let names = vec!["step-one".to_string(), "step-two".to_string()];
        assert!(!all_terminated(&pod, &names));
        let sidecars = vec![
            "sidecar-server".to_string(),
            "sidecar-slow".to_string(),
            "sidecar-done".to_string(),
        ];
        let patch =
            stop_sidecars_patch(&pod, &sidecars, "localhost/stepwise/entrypoint:dev").unwrap();
        assert_eq!(
            patch,
            json!({"spec": {"containers": [
                {"name": "sidecar-server", "image": "localhost/stepwise/entrypoint:dev"},
                {"name": "sidecar-slow", "image": "localhost/stepwise/entrypoint:dev"}
            ]}})
        );
    }

    #[test]
    fn finished_pod_gives_exit_codes_messages_and_times() {
        let pod = fixture("kind-pod-done.json");
        let names = vec!["step-one".to_string(), "step-two".to_string()];
        assert!(all_terminated(&pod, &names));
        let one = step_facts(&pod, "step-one", None);
        let exit = one.exit.unwrap();
        assert_eq!((exit.code, exit.signal), (0, None));
        assert_eq!(exit.at, timestamp::parse("2026-01-10T10:00:03Z").unwrap());
        assert!(one.message.contains("\"StartedAt\""));
        let two = step_facts(&pod, "step-two", None);
        assert_eq!(two.exit.unwrap().code, 3);
        assert_eq!(sidecar_state(&pod, "sidecar-server"), SidecarState::Exited);
        assert_eq!(
            stop_sidecars_patch(&pod, &["sidecar-server".to_string()], "nop"),
            None
        );
        assert_eq!(init_failure(&pod), None);
    }

    #[test]
    fn killed_running_steps_count_as_sigkill() {
        let pod = fixture("kind-pod-running.json");
        let at = SystemTime::now();
        let facts = step_facts(&pod, "step-two", Some(at));
        let exit = facts.exit.unwrap();
        assert_eq!((exit.code, exit.signal), (137, Some(9)));
        assert!(step_facts(&pod, "step-two", None).exit.is_none());
    }

    #[test]
    fn failed_init_container_is_reported() {
        let pod = fixture("kind-pod-init-failed.json");
        assert_eq!(phase(&pod), "Failed");
        assert_eq!(
            init_failure(&pod).as_deref(),
            Some("init container \"prepare\" exited with code 1")
        );
    }

    #[test]
    fn prepare_names_labels_and_pull_policy() {
        let pod = fixture("kind-pod-running.json");
        let prepared = prepare(&pod, "sw-x-1", "conformance", None);
        assert_eq!(prepared.metadata.name.as_deref(), Some("sw-x-1"));
        assert_eq!(prepared.metadata.namespace.as_deref(), Some("conformance"));
        let spec = prepared.spec.unwrap();
        assert_eq!(spec.node_name, pod.spec.as_ref().unwrap().node_name);
        assert_eq!(
            spec.containers[0].image_pull_policy.as_deref(),
            Some("Never")
        );
        assert_eq!(
            spec.init_containers.unwrap()[0]
                .image_pull_policy
                .as_deref(),
            Some("IfNotPresent")
        );
    }

    #[test]
    fn prepare_drops_the_taskrun_owner() {
        let mut pod = fixture("kind-pod-running.json");
        pod.metadata.owner_references = Some(vec![
            k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
                api_version: "tekton.dev/v1".into(),
                kind: "TaskRun".into(),
                name: "hello-run".into(),
                uid: "u".into(),
                ..Default::default()
            },
        ]);
        let prepared = prepare(&pod, "sw-x-1", "conformance", None);
        assert_eq!(prepared.metadata.owner_references, None);
    }

    #[test]
    fn sidecar_stop_limit_grows_with_grace_and_sidecars() {
        let mut pod = fixture("kind-pod-running.json");
        if let Some(spec) = pod.spec.as_mut() {
            spec.termination_grace_period_seconds = None;
        }
        assert_eq!(sidecar_stop_limit(&pod, 2), Duration::from_secs(120));
        if let Some(spec) = pod.spec.as_mut() {
            spec.termination_grace_period_seconds = Some(5);
        }
        assert_eq!(sidecar_stop_limit(&pod, 3), Duration::from_secs(75));
        assert_eq!(sidecar_stop_limit(&pod, 0), Duration::from_secs(60));
    }

    #[test]
    fn prepare_binds_to_the_given_node() {
        let pod = fixture("kind-pod-running.json");
        let prepared = prepare(&pod, "sw-x-1", "default", Some("stepwise-node"));
        assert_eq!(
            prepared.spec.unwrap().node_name.as_deref(),
            Some("stepwise-node")
        );
    }
}
