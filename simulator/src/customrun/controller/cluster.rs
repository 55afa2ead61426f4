//! The controller's cluster side: a kube-rs watcher over CustomRuns, one
//! worker thread per run (the same [`crate::customrun::run`] podsim uses
//! locally), and every status change written through the `status`
//! subresource.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams,
};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::{watcher, WatchStreamExt};
use kube::{Client, Config};

use super::reconcile::{decide, from_object, status_patch, Action};
use crate::customrun::model::CustomRun;
use crate::customrun::{run, Control, CustomRunStatus, Registry};

/// How long the API server gets to answer the first request.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Failed writes of one status before the writer moves on (about 4s).
const MAX_WRITE_FAILURES: u32 = 20;
/// Field manager of the status writes.
const MANAGER: &str = "podsim-customrun-controller";

/// The CustomRun resource (`tekton.dev/v1beta1`, `customruns`).
pub fn resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("tekton.dev", "v1beta1", "CustomRun"),
        "customruns",
    )
}

/// A run in progress.
struct Active {
    control: Arc<Control>,
}

/// Shared state of the controller.
pub struct Controller {
    runtime: tokio::runtime::Runtime,
    client: Client,
    namespace: Option<String>,
    registry: Arc<Registry>,
    active: Arc<Mutex<HashMap<String, Active>>>,
    stopping: Arc<AtomicBool>,
}

impl Controller {
    /// Connects with `kubeconfig` and checks that the API server answers and
    /// serves CustomRuns; the error is one line saying what is missing.
    pub fn connect(
        kubeconfig: &Path,
        namespace: Option<&str>,
        registry: Registry,
    ) -> Result<Controller, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start an async runtime: {e}"))?;
        let file = Kubeconfig::read_from(kubeconfig)
            .map_err(|e| format!("--kubeconfig {}: {e}", kubeconfig.display()))?;
        let client = runtime.block_on(async {
            let config = Config::from_custom_kubeconfig(file, &KubeConfigOptions::default())
                .await
                .map_err(|e| format!("--kubeconfig {}: {e}", kubeconfig.display()))?;
            let url = config.cluster_url.to_string();
            let client = Client::try_from(config).map_err(|e| format!("cannot build a client: {e}"))?;
            match tokio::time::timeout(CONNECT_TIMEOUT, client.apiserver_version()).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Err(format!("--kubeconfig {}: no cluster answers at {url}: {e}", kubeconfig.display())),
                Err(_) => return Err(format!("--kubeconfig {}: no cluster answers at {url} within {CONNECT_TIMEOUT:?}", kubeconfig.display())),
            }
            let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource());
            api.list(&ListParams::default().limit(1)).await.map_err(|e| {
                format!("the cluster at {url} serves no tekton.dev/v1beta1 customruns (install Tekton's CustomRun CRD, config/300-crds/300-customrun.yaml): {e}")
            })?;
            Ok(client)
        })?;
        Ok(Controller {
            runtime,
            client,
            namespace: namespace.map(String::from),
            registry: Arc::new(registry),
            active: Arc::new(Mutex::new(HashMap::new())),
            stopping: Arc::new(AtomicBool::new(false)),
        })
    }

    fn api(&self) -> Api<DynamicObject> {
        match &self.namespace {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, &resource()),
            None => Api::all_with(self.client.clone(), &resource()),
        }
    }

    /// Watches CustomRuns until the watch ends (it retries with backoff on
    /// errors, so only when the process stops). `ready` runs once, after
    /// the first complete listing.
    pub fn watch(&self, ready: impl FnOnce()) {
        let mut ready = Some(ready);
        let stream = watcher(self.api(), watcher::Config::default()).default_backoff();
        self.runtime.block_on(async {
            let mut stream = std::pin::pin!(stream);
            while let Some(event) = stream.next().await {
                match event {
                    Ok(watcher::Event::Apply(object) | watcher::Event::InitApply(object)) => {
                        self.observe(&object)
                    }
                    Ok(watcher::Event::Delete(object)) => self.deleted(&object),
                    Ok(watcher::Event::InitDone) => {
                        if let Some(ready) = ready.take() {
                            ready();
                        }
                    }
                    Ok(watcher::Event::Init) => {}
                    Err(e) => eprintln!("podsim: customrun controller: watch: {e}"),
                }
            }
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Active>> {
        self.active.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn observe(&self, object: &DynamicObject) {
        let key = key_of(object);
        let run = match serde_json::to_value(object)
            .map_err(|e| e.to_string())
            .and_then(|value| from_object(&value))
        {
            Ok(run) => run,
            Err(e) => {
                eprintln!("podsim: customrun {key}: unreadable: {e}");
                return;
            }
        };
        let in_progress = self.lock().contains_key(&key);
        match decide(&run, &self.registry, in_progress) {
            Action::Ignore => {}
            Action::Forget => {
                self.lock().remove(&key);
            }
            Action::Cancel(message) => {
                if let Some(active) = self.lock().get(&key) {
                    active.control.cancel(&message);
                }
            }
            Action::Start => self.start(key, run),
        }
    }

    fn deleted(&self, object: &DynamicObject) {
        if let Some(active) = self.lock().remove(&key_of(object)) {
            active.control.cancel("the CustomRun was deleted");
        }
    }

    fn start(&self, key: String, customrun: CustomRun) {
        let control = Arc::new(Control::new());
        self.lock().insert(
            key.clone(),
            Active {
                control: control.clone(),
            },
        );
        let namespace = customrun.metadata.namespace.clone().unwrap_or_default();
        let name = customrun.metadata.name.clone().unwrap_or_default();
        let api: Api<DynamicObject> =
            Api::namespaced_with(self.client.clone(), &namespace, &resource());
        let writer = Writer {
            handle: self.runtime.handle().clone(),
            api,
            name,
            key: key.clone(),
            stopping: self.stopping.clone(),
        };
        let registry = self.registry.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("customrun {key}"))
            .spawn(move || {
                let finished = AtomicBool::new(false);
                std::thread::scope(|scope| {
                    scope.spawn(|| {
                        run(&customrun, &registry, &control);
                        finished.store(true, Ordering::SeqCst);
                    });
                    writer.forward(&control, &finished);
                });
            });
        if let Err(e) = spawned {
            eprintln!("podsim: customrun {key}: cannot start a thread: {e}");
            self.lock().remove(&key);
        }
    }

    /// Stops every run in progress without writing their end (the CustomRuns
    /// stay as the cluster last saw them, for the next controller to pick up),
    /// waiting at most `grace` for the runners to exit.
    pub fn stop(&self, grace: Duration) {
        self.stopper().stop(grace);
    }

    /// A handle the signal thread uses to stop the controller.
    pub fn stopper(&self) -> Stopper {
        Stopper {
            active: self.active.clone(),
            stopping: self.stopping.clone(),
        }
    }
}

/// Stops a [`Controller`] from another thread (see [`Controller::stop`]).
pub struct Stopper {
    active: Arc<Mutex<HashMap<String, Active>>>,
    stopping: Arc<AtomicBool>,
}

impl Stopper {
    /// As [`Controller::stop`].
    pub fn stop(&self, grace: Duration) {
        self.stopping.store(true, Ordering::SeqCst);
        let controls: Vec<Arc<Control>> = self
            .active
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .map(|a| a.control.clone())
            .collect();
        for control in &controls {
            control.cancel("the custom-task controller is stopping");
        }
        let deadline = std::time::Instant::now() + grace;
        for control in &controls {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            control.wait_status(left, CustomRunStatus::is_done);
        }
    }
}

fn key_of(object: &DynamicObject) -> String {
    format!(
        "{}/{}",
        object.metadata.namespace.as_deref().unwrap_or(""),
        object.metadata.name.as_deref().unwrap_or("")
    )
}

/// Writes one run's status changes to its CustomRun's status subresource.
struct Writer {
    handle: tokio::runtime::Handle,
    api: Api<DynamicObject>,
    name: String,
    key: String,
    stopping: Arc<AtomicBool>,
}

impl Writer {
    /// Writes the latest status each time it changes until the run is
    /// finished and its last status written. Intermediate statuses may be
    /// coalesced; the final one is always written (retried on errors).
    fn forward(&self, control: &Control, finished: &AtomicBool) {
        let mut written: Option<CustomRunStatus> = None;
        let mut failures = 0;
        loop {
            let done = finished.load(Ordering::SeqCst);
            let latest = control.latest();
            if self.stopping.load(Ordering::SeqCst) {
                return;
            }
            if latest.is_some() && latest != written {
                if let Some(status) = &latest {
                    if self.write(status) || failures >= MAX_WRITE_FAILURES {
                        written = latest.clone();
                        failures = 0;
                    } else {
                        failures += 1;
                        // Back off before the next try of the same write.
                        std::thread::sleep(Duration::from_millis(200));
                        continue;
                    }
                }
            } else if done {
                return;
            }
            control.wait_status(Duration::from_millis(100), |s| Some(s) != written.as_ref());
        }
    }

    fn write(&self, status: &CustomRunStatus) -> bool {
        let patch = Patch::Merge(status_patch(status));
        let params = PatchParams::apply(MANAGER);
        match self
            .handle
            .block_on(self.api.patch_status(&self.name, &params, &patch))
        {
            Ok(_) => {
                eprintln!(
                    "podsim: customrun {}: {} {} {}",
                    self.key,
                    status.state().unwrap_or("-"),
                    status.reason(),
                    status.succeeded().map_or("", |c| c.message.as_str())
                );
                true
            }
            Err(kube::Error::Api(e)) if e.code == 404 => {
                // Deleted meanwhile: nothing left to write to.
                true
            }
            Err(e) => {
                eprintln!("podsim: customrun {}: writing the status: {e}", self.key);
                false
            }
        }
    }
}
