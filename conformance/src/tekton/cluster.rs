//! One case on a cluster where upstream's controller runs: a fresh
//! namespace, the case's documents created as dynamic objects, a watch on
//! the run object until its `Succeeded` condition is no longer `Unknown`
//! (bounded), then its status and its child TaskRuns' (label
//! `tekton.dev/pipelineRun`) once each has ended too (upstream cancels the
//! children of a timed-out or cancelled PipelineRun after marking the run),
//! and the namespace deleted. A run whose workspaces use a
//! `volumeClaimTemplate` gets one hostPath PersistentVolume per template
//! (no storage class: the PVC upstream's controller makes binds to it; there
//! is no provisioner), deleted afterwards. A case with a cancel gets its run's
//! `spec.status` patched that long after the run was created.

use std::path::Path;
use std::time::Duration;

use crate::backend::cluster::connect::answering_client;
use futures_util::StreamExt;
use k8s_openapi::api::core::v1::{Namespace, PersistentVolume, ServiceAccount};
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch,
    PatchParams, PostParams,
};
use kube::runtime::{watcher, WatchStreamExt};
use kube::Client;
use serde_json::{json, Map, Value};

use super::corpus::Case;
use super::podsim::Reported;

/// How long a fresh namespace may take to get its `default` service account.
const ACCOUNT_TIMEOUT: Duration = Duration::from_secs(60);

/// How long the child TaskRuns may take to end after their PipelineRun did.
const CHILDREN_TIMEOUT: Duration = Duration::from_secs(60);

/// The tekton.dev/v1 resource of `kind` (Task, Pipeline, TaskRun, PipelineRun).
pub fn resource(kind: &str) -> ApiResource {
    let plural = format!("{}s", kind.to_ascii_lowercase());
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("tekton.dev", "v1", kind), &plural)
}

/// Whether a run object's `Succeeded` condition says it ended.
pub fn finished(object: &Value) -> bool {
    object["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Succeeded" && c["status"] != "Unknown" && c["status"].is_string())
}

/// Whether TaskRun `object` reports step `step` running and every step
/// before it ended.
pub fn step_running(object: &Value, step: &str) -> bool {
    let steps = object["status"]["steps"].as_array();
    let steps = steps.map(Vec::as_slice).unwrap_or_default();
    match steps.iter().position(|s| s["name"] == step) {
        Some(i) => {
            steps[i].get("running").is_some()
                && steps[..i].iter().all(|s| s.get("terminated").is_some())
        }
        None => false,
    }
}

/// A namespace name for case number `index` of this process: a DNS label.
pub fn namespace_for(case: &str, index: usize) -> String {
    let stem = case.rsplit('/').next().unwrap_or(case);
    let mut slug: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    slug = slug.trim_matches('-').to_string();
    format!("tk-{slug}-{}-{index}", std::process::id())
}

/// A cluster whose API server answered.
#[derive(Clone)]
pub struct Cluster {
    client: Client,
}

impl Cluster {
    /// Connects with `kubeconfig` and asks for the server's version; the
    /// error is one line saying why no cluster answers.
    pub fn connect(
        kubeconfig: &Path,
        runtime: &tokio::runtime::Runtime,
    ) -> Result<Cluster, String> {
        let client = runtime.block_on(answering_client(kubeconfig))?;
        Ok(Cluster { client })
    }

    /// Starts `case` in `namespace` and waits (at most `timeout` after the
    /// objects exist) for the run to end; then reads the statuses and, unless
    /// `keep`, deletes the namespace.
    pub async fn run(
        &self,
        case: Case,
        namespace: String,
        timeout: Duration,
        keep: bool,
    ) -> Result<Reported, String> {
        let volumes = self.volumes(&case, &namespace).await?;
        let result = self.run_in(&case, &namespace, timeout).await;
        if !keep {
            let namespaces: Api<Namespace> = Api::all(self.client.clone());
            let _ = namespaces
                .delete(&namespace, &DeleteParams::background())
                .await;
            let api: Api<PersistentVolume> = Api::all(self.client.clone());
            for (name, dir) in volumes {
                let _ = api.delete(&name, &DeleteParams::background()).await;
                let _ = std::fs::remove_dir_all(dir);
            }
        }
        result
    }

    /// One hostPath PersistentVolume (name, host directory) per
    /// `volumeClaimTemplate` of the case's run.
    async fn volumes(
        &self,
        case: &Case,
        namespace: &str,
    ) -> Result<Vec<(String, std::path::PathBuf)>, String> {
        let run = case.documents.last().cloned().unwrap_or(Value::Null);
        let templates = run["spec"]["workspaces"]
            .as_array()
            .map(|w| {
                w.iter()
                    .filter(|w| w.get("volumeClaimTemplate").is_some())
                    .count()
            })
            .unwrap_or(0);
        let api: Api<PersistentVolume> = Api::all(self.client.clone());
        let mut made = Vec::new();
        for i in 0..templates {
            let name = format!("{namespace}-{i}");
            let dir = std::env::temp_dir().join("stepwise-pv").join(&name);
            let volume: PersistentVolume = serde_json::from_value(json!({
                "metadata": {"name": name},
                "spec": {
                    "capacity": {"storage": "1Gi"},
                    "accessModes": ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany"],
                    "persistentVolumeReclaimPolicy": "Retain",
                    "storageClassName": "",
                    "hostPath": {"path": dir.to_string_lossy(), "type": "DirectoryOrCreate"},
                },
            }))
            .map_err(|e| e.to_string())?;
            api.create(&PostParams::default(), &volume)
                .await
                .map_err(|e| format!("creating PersistentVolume {name}: {e}"))?;
            made.push((name, dir));
        }
        Ok(made)
    }

    async fn run_in(
        &self,
        case: &Case,
        namespace: &str,
        timeout: Duration,
    ) -> Result<Reported, String> {
        let namespaces: Api<Namespace> = Api::all(self.client.clone());
        let object: Namespace = serde_json::from_value(json!({"metadata": {"name": namespace}}))
            .map_err(|e| e.to_string())?;
        namespaces
            .create(&PostParams::default(), &object)
            .await
            .map_err(|e| format!("creating namespace {namespace}: {e}"))?;
        // Pods of a service account that does not exist yet are refused.
        let accounts: Api<ServiceAccount> = Api::namespaced(self.client.clone(), namespace);
        let account = kube::runtime::wait::await_condition(
            accounts,
            "default",
            |sa: Option<&ServiceAccount>| sa.is_some(),
        );
        tokio::time::timeout(ACCOUNT_TIMEOUT, account)
            .await
            .map_err(|_| format!("namespace {namespace} got no default service account within {ACCOUNT_TIMEOUT:?}"))?
            .map_err(|e| format!("watching service accounts: {e}"))?;
        for doc in &case.documents {
            let kind = doc["kind"].as_str().unwrap_or_default();
            let api: Api<DynamicObject> =
                Api::namespaced_with(self.client.clone(), namespace, &resource(kind));
            let mut doc = doc.clone();
            doc["metadata"]["namespace"] = Value::String(namespace.to_string());
            let object: DynamicObject =
                serde_json::from_value(doc).map_err(|e| format!("{kind}: {e}"))?;
            api.create(&PostParams::default(), &object)
                .await
                .map_err(|e| {
                    format!(
                        "creating {kind} {}: {e}",
                        object.metadata.name.unwrap_or_default()
                    )
                })?;
        }
        let runs: Api<DynamicObject> =
            Api::namespaced_with(self.client.clone(), namespace, &resource(&case.kind));
        let canceller = case.cancel.clone().map(|cancel| {
            let (api, name) = (runs.clone(), case.run_name.clone());
            let task_runs: Api<DynamicObject> =
                Api::namespaced_with(self.client.clone(), namespace, &resource("TaskRun"));
            tokio::spawn(async move {
                loop {
                    let list = task_runs.list(&ListParams::default()).await;
                    let reached = list.iter().flatten().any(|tr| {
                        let value = serde_json::to_value(tr).unwrap_or(Value::Null);
                        step_running(&value, &cancel.when_running)
                    });
                    if reached {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                let patch = Patch::Merge(json!({"spec": {"status": cancel.status}}));
                api.patch(&name, &PatchParams::default(), &patch)
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("patching spec.status of {name}: {e}"))
            })
        });
        let config = watcher::Config::default().fields(&format!("metadata.name={}", case.run_name));
        let mut stream = std::pin::pin!(watcher(runs.clone(), config)
            .default_backoff()
            .applied_objects());
        let wait = async {
            while let Some(event) = stream.next().await {
                if let Ok(object) = event {
                    let value = serde_json::to_value(&object).unwrap_or(Value::Null);
                    if finished(&value) {
                        return Some(value);
                    }
                }
            }
            None
        };
        let run = match tokio::time::timeout(timeout, wait).await {
            Ok(Some(run)) => run,
            Ok(None) => return Err("the watch on the run ended".into()),
            Err(_) => {
                let last = runs.get(&case.run_name).await.ok();
                let reason = last
                    .and_then(|o| serde_json::to_value(o).ok())
                    .map(|v| v["status"]["conditions"].to_string())
                    .unwrap_or_default();
                return Err(format!(
                    "the {} did not finish within {timeout:?} (conditions: {reason})",
                    case.kind
                ));
            }
        };
        if let Some(canceller) = canceller {
            if !canceller.is_finished() {
                canceller.abort();
                return Err(format!(
                    "the {} ended before the harness cancelled it",
                    case.kind
                ));
            }
            canceller
                .await
                .map_err(|e| format!("the cancel task failed: {e}"))??;
        }
        let status = run.get("status").cloned().unwrap_or(Value::Null);
        let task_runs = if case.kind == "PipelineRun" {
            Some(self.children(namespace, &case.run_name).await?)
        } else {
            None
        };
        // Each case runs in a namespace of its own; podsim's run is in
        // `default`. Messages that name it (`NAMESPACE/NAME`) are compared as
        // podsim words them.
        let mut reported = Reported { status, task_runs };
        in_default_namespace(&mut reported.status, namespace);
        if let Some(children) = reported.task_runs.as_mut() {
            for child in children.values_mut() {
                in_default_namespace(child, namespace);
            }
        }
        Ok(reported)
    }

    /// The statuses of the child TaskRuns of PipelineRun `run`, by name, once
    /// every one has ended (at most [`CHILDREN_TIMEOUT`]).
    async fn children(&self, namespace: &str, run: &str) -> Result<Map<String, Value>, String> {
        let api: Api<DynamicObject> =
            Api::namespaced_with(self.client.clone(), namespace, &resource("TaskRun"));
        let selector = format!("tekton.dev/pipelineRun={run}");
        let deadline = tokio::time::Instant::now() + CHILDREN_TIMEOUT;
        loop {
            let list = api
                .list(&ListParams::default().labels(&selector))
                .await
                .map_err(|e| format!("listing the child TaskRuns: {e}"))?;
            let mut map = Map::new();
            let mut running = Vec::new();
            for tr in list {
                let name = tr.metadata.name.clone().unwrap_or_default();
                let value = serde_json::to_value(&tr).unwrap_or(Value::Null);
                if !finished(&value) {
                    running.push(name.clone());
                }
                map.insert(name, value.get("status").cloned().unwrap_or(Value::Null));
            }
            if running.is_empty() {
                return Ok(map);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(format!(
                    "child TaskRuns {} did not end within {CHILDREN_TIMEOUT:?} of the run",
                    running.join(", ")
                ));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// `value` with `NAMESPACE/` in its strings written `default/`.
fn in_default_namespace(value: &mut Value, namespace: &str) {
    match value {
        Value::String(text) => *text = text.replace(&format!("{namespace}/"), "default/"),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| in_default_namespace(v, namespace)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|v| in_default_namespace(v, namespace)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_finished_once_its_condition_is_true_or_false() {
        assert!(!finished(&json!({"status": {}})));
        assert!(!finished(
            &json!({"status": {"conditions": [{"type": "Succeeded", "status": "Unknown"}]}})
        ));
        assert!(finished(
            &json!({"status": {"conditions": [{"type": "Succeeded", "status": "False"}]}})
        ));
    }

    #[test]
    fn a_step_counts_as_running_once_the_steps_before_it_ended() {
        let tr = |first: Value, second: Value| {
            json!({"status": {"steps": [
                {"name": "first", first.as_str().unwrap_or_default(): {}},
                {"name": "sleep", second.as_str().unwrap_or_default(): {}},
            ]}})
        };
        assert!(step_running(
            &tr(json!("terminated"), json!("running")),
            "sleep"
        ));
        assert!(!step_running(
            &tr(json!("running"), json!("running")),
            "sleep"
        ));
        assert!(!step_running(
            &tr(json!("terminated"), json!("waiting")),
            "sleep"
        ));
        assert!(!step_running(&json!({"status": {}}), "sleep"));
    }

    #[test]
    fn namespaces_are_dns_labels() {
        let ns = namespace_for("conformance/tekton/When_Skip.x", 3);
        assert!(ns.starts_with("tk-when-skip-x-"), "{ns}");
        assert!(ns.ends_with("-3") && ns.len() <= 63, "{ns}");
        assert_eq!(resource("PipelineRun").plural, "pipelineruns");
    }
}
