//! The checker's cluster target: CustomRuns created as dynamic objects
//! through kube-rs, cancelled by patching `spec.status`, observed through a
//! watch on each one (kube-rs `watcher`), so every status the API server
//! stored reaches the history, not only those a poll happens to see. The
//! object conversions are pure functions, tested on recorded objects.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;

use crate::backend::cluster::connect::{answering_client, runtime};
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, Patch, PatchParams, PostParams,
};
use kube::runtime::{watcher, WatchStreamExt};
use serde_json::{json, Value};
use simulator::customrun::{Control, CustomRun, CustomRunStatus};

use super::target::{Handle, Target};

/// The CustomRun resource.
pub fn resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("tekton.dev", "v1beta1", "CustomRun"),
        "customruns",
    )
}

/// The object to create for `run` in `namespace` (no status).
pub fn to_object(run: &CustomRun, namespace: &str) -> Value {
    let mut run = run.clone();
    run.status = None;
    run.metadata.namespace = Some(namespace.to_string());
    serde_json::to_value(&run).unwrap_or(Value::Null)
}

/// The status of a CustomRun object read from the API server: `None` while it has none.
pub fn status_of(object: &Value) -> Result<Option<CustomRunStatus>, String> {
    match object.get("status") {
        None | Some(Value::Null) => Ok(None),
        Some(status) if status.as_object().is_some_and(|o| o.is_empty()) => Ok(None),
        Some(status) => serde_json::from_value(status.clone())
            .map(Some)
            .map_err(|e| format!("unreadable status: {e}")),
    }
}

/// The merge patch that cancels a CustomRun.
pub fn cancel_patch(message: &str) -> Value {
    json!({"spec": {"status": "RunCancelled", "statusMessage": message}})
}

/// A cluster whose API server answered.
pub struct ClusterTarget {
    runtime: Arc<tokio::runtime::Runtime>,
    api: Api<DynamicObject>,
    namespace: String,
}

impl ClusterTarget {
    /// Connects with `kubeconfig` and asks the API server for its version;
    /// the error is one line saying why no cluster answers.
    pub fn connect(kubeconfig: &Path, namespace: &str) -> Result<ClusterTarget, String> {
        let runtime = runtime()?;
        let client = runtime.block_on(answering_client(kubeconfig))?;
        let api = Api::namespaced_with(client, namespace, &resource());
        Ok(ClusterTarget {
            runtime: Arc::new(runtime),
            api,
            namespace: namespace.to_string(),
        })
    }
}

struct ClusterHandle {
    runtime: Arc<tokio::runtime::Runtime>,
    api: Api<DynamicObject>,
    name: String,
    /// Every distinct status the watch delivered.
    seen: Arc<Control>,
    watch: tokio::task::JoinHandle<()>,
}

impl Target for ClusterTarget {
    fn start(&self, run: CustomRun) -> Result<Box<dyn Handle>, String> {
        let name = run.metadata.name.clone().unwrap_or_default();
        let object: DynamicObject =
            serde_json::from_value(to_object(&run, &self.namespace)).map_err(|e| e.to_string())?;
        self.runtime
            .block_on(self.api.create(&PostParams::default(), &object))
            .map_err(|e| e.to_string())?;
        let seen = Arc::new(Control::new());
        let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
        let stream = watcher(self.api.clone(), config).default_backoff();
        let publish = seen.clone();
        let watch = self.runtime.spawn(async move {
            let mut stream = std::pin::pin!(stream);
            while let Some(event) = stream.next().await {
                if let Ok(watcher::Event::Apply(object) | watcher::Event::InitApply(object)) = event
                {
                    let status = serde_json::to_value(&object)
                        .ok()
                        .and_then(|value| status_of(&value).ok().flatten());
                    if let Some(status) = status {
                        publish.publish(status);
                    }
                }
            }
        });
        Ok(Box::new(ClusterHandle {
            runtime: self.runtime.clone(),
            api: self.api.clone(),
            name,
            seen,
            watch,
        }))
    }
}

impl Handle for ClusterHandle {
    fn cancel(&self, message: &str) {
        let patch = Patch::Merge(cancel_patch(message));
        let _ = self
            .runtime
            .block_on(self.api.patch(&self.name, &PatchParams::default(), &patch));
    }

    fn wait_status(
        &self,
        timeout: Duration,
        done: &dyn Fn(&CustomRunStatus) -> bool,
    ) -> Option<CustomRunStatus> {
        self.seen.wait_status(timeout, done)
    }

    fn history(&self) -> Vec<CustomRunStatus> {
        self.seen.history()
    }

    fn finish(self: Box<Self>) {
        self.cancel("checker cleanup");
        let _ = self
            .runtime
            .block_on(self.api.delete(&self.name, &DeleteParams::default()));
        self.watch.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORDED: &str = r#"{"apiVersion":"tekton.dev/v1beta1","kind":"CustomRun",
      "metadata":{"name":"c","namespace":"default","resourceVersion":"7","uid":"u"},
      "spec":{"customRef":{"apiVersion":"example.dev/v1","kind":"Approval"},"serviceAccountName":"default"},
      "status":{"conditions":[{"type":"Succeeded","status":"False","reason":"CustomRunCancelled",
        "message":"m","lastTransitionTime":"2026-01-01T00:00:00Z"}],
        "startTime":"2026-01-01T00:00:00Z","retriesStatus":[{"conditions":[{"type":"Succeeded","status":"False","reason":"Rejected"}]}],
        "extraFields":{"x":1}}}"#;

    #[test]
    fn reads_recorded_status() {
        let object: Value = serde_json::from_str(RECORDED).unwrap();
        let status = status_of(&object).unwrap().unwrap();
        assert_eq!(status.reason(), "CustomRunCancelled");
        assert_eq!(status.retries_status.len(), 1);
        assert_eq!(status.extra_fields, json!({"x": 1}));
    }

    #[test]
    fn no_status_until_picked_up() {
        assert_eq!(status_of(&json!({"spec": {}})), Ok(None));
        assert_eq!(status_of(&json!({"status": {}})), Ok(None));
    }

    #[test]
    fn objects_carry_namespace_and_no_status() {
        let mut run: CustomRun = serde_json::from_str(RECORDED).unwrap_or_default();
        run.status = Some(CustomRunStatus::default());
        let object = to_object(&run, "checks");
        assert_eq!(object["metadata"]["namespace"], "checks");
        assert!(object.get("status").is_none());
        assert_eq!(cancel_patch("why")["spec"]["status"], "RunCancelled");
    }

    #[test]
    fn no_cluster_is_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kubeconfig");
        std::fs::write(&file, "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: t}\n").unwrap();
        let err = ClusterTarget::connect(&file, "default").err().unwrap();
        assert!(
            err.starts_with("no cluster answers at https://127.0.0.1:1"),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");
    }
}
