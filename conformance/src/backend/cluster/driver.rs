//! [`PodDriver`] over the Kubernetes API: annotations for ready/cancel, the
//! kubelet's own readiness, the nop-image swap, Pod deletion as the kill.

use std::time::{Duration, Instant, SystemTime};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{DeleteParams, Patch, PatchParams};
use simulator::plan::{ProbeCheck, RunPlan};
use simulator::render::{CANCEL_ANNOTATION, READY_ANNOTATION};

use super::{api_err, objects, ClusterBackend};
use crate::backend::controller::{Downward, PodDriver, SidecarState};
use crate::backend::BackendError;

/// How long a Pod may take to start (image pulls, scheduling).
const START_LIMIT: Duration = Duration::from_secs(300);
/// The kubelet refreshes downward API files on its sync loop (up to about a
/// minute), so the entrypoint may see CANCEL that late.
const KIND_CANCEL_GRACE: Duration = Duration::from_secs(120);
/// Pause between two reads of the Pod.
const POLL: Duration = Duration::from_millis(250);

pub(super) struct ApiDriver<'a> {
    backend: &'a ClusterBackend,
    name: String,
    steps: Vec<String>,
    sidecars: Vec<String>,
    nop_image: String,
    pod: Option<Pod>,
    /// When the harness deleted the Pod, if it had to.
    pub killed_at: Option<SystemTime>,
}

impl<'a> ApiDriver<'a> {
    pub(super) fn new(backend: &'a ClusterBackend, plan: &RunPlan, name: &str) -> Self {
        Self {
            backend,
            name: name.to_string(),
            steps: plan.steps.iter().map(|s| s.container.clone()).collect(),
            sidecars: plan.sidecars.iter().map(|s| s.container.clone()).collect(),
            nop_image: backend.images.entrypoint_image.clone(),
            pod: None,
            killed_at: None,
        }
    }

    fn fetch(&mut self) -> Result<&Pod, BackendError> {
        if self.killed_at.is_none() {
            let pod = self
                .backend
                .runtime
                .block_on(self.backend.pods.get(&self.name))
                .map_err(api_err("read the Pod"))?;
            self.pod = Some(pod);
        }
        self.pod
            .as_ref()
            .ok_or_else(|| BackendError::Run("the Pod was never read".to_string()))
    }

    /// The Pod as last read (re-read unless it was deleted).
    pub(super) fn last(&mut self) -> Result<Pod, BackendError> {
        self.fetch().cloned()
    }

    /// Waits until the Pod's containers were started (or it failed).
    pub(super) fn wait_started(&mut self) -> Result<Pod, BackendError> {
        let deadline = Instant::now() + START_LIMIT;
        loop {
            let pod = self.fetch()?;
            if objects::started(pod) {
                return Ok(pod.clone());
            }
            if Instant::now() >= deadline {
                return Err(BackendError::Run(format!(
                    "Pod {} did not start within {START_LIMIT:?}",
                    self.name
                )));
            }
            std::thread::sleep(POLL);
        }
    }

    fn patch(&self, patch: Patch<serde_json::Value>, what: &str) -> Result<(), BackendError> {
        self.backend
            .runtime
            .block_on(
                self.backend
                    .pods
                    .patch(&self.name, &PatchParams::default(), &patch),
            )
            .map(|_| ())
            .map_err(api_err(what))
    }
}

impl PodDriver for ApiDriver<'_> {
    fn sidecar_state(&mut self, index: usize) -> Result<SidecarState, BackendError> {
        let name = self.sidecars[index].clone();
        Ok(objects::sidecar_state(self.fetch()?, &name))
    }

    /// The kubelet runs the probes: ready is what the status says.
    fn probe(&mut self, index: usize, _check: &ProbeCheck) -> Result<bool, BackendError> {
        Ok(self.sidecar_state(index)? == SidecarState::Ready)
    }

    fn set(&mut self, file: Downward) -> Result<(), BackendError> {
        let (key, value) = match file {
            Downward::Ready => (READY_ANNOTATION, "READY"),
            Downward::Cancel => (CANCEL_ANNOTATION, "CANCEL"),
        };
        self.patch(
            Patch::Merge(objects::annotation_patch(key, value)),
            "annotate the Pod",
        )
    }

    fn steps_done(&mut self, wait: Duration) -> Result<bool, BackendError> {
        let deadline = Instant::now() + wait;
        loop {
            let steps = self.steps.clone();
            if self.killed_at.is_some() || objects::all_terminated(self.fetch()?, &steps) {
                return Ok(true);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(false);
            }
            std::thread::sleep(left.min(POLL));
        }
    }

    /// Kubernetes cannot kill single containers: read the Pod one last time,
    /// then delete it at once; steps still running count as SIGKILLed.
    fn kill(&mut self) -> Result<(), BackendError> {
        if self.killed_at.is_some() {
            return Ok(());
        }
        self.fetch()?;
        let delete = DeleteParams {
            grace_period_seconds: Some(0),
            ..DeleteParams::default()
        };
        let _ = self
            .backend
            .runtime
            .block_on(self.backend.pods.delete(&self.name, &delete));
        self.killed_at = Some(SystemTime::now());
        Ok(())
    }

    fn stop_sidecars(&mut self) -> Result<(), BackendError> {
        if self.killed_at.is_some() || self.sidecars.is_empty() {
            return Ok(());
        }
        let sidecars = self.sidecars.clone();
        let nop = self.nop_image.clone();
        let Some(patch) = objects::stop_sidecars_patch(self.fetch()?, &sidecars, &nop) else {
            return Ok(());
        };
        let limit = objects::sidecar_stop_limit(self.fetch()?, sidecars.len());
        self.patch(Patch::Strategic(patch), "swap sidecar images")?;
        // Wait until the kubelet has restarted them with the nop image.
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            let pod = self.fetch()?;
            if sidecars
                .iter()
                .all(|s| objects::sidecar_state(pod, s) == SidecarState::Exited)
            {
                break;
            }
            std::thread::sleep(POLL);
        }
        Ok(())
    }

    fn cancel_grace(&self) -> Duration {
        KIND_CANCEL_GRACE
    }
}
