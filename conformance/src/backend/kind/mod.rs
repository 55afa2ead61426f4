//! The `kind` backend: the rendered Pod on a real Kubernetes cluster through
//! the API server (kube-rs). The harness plays Tekton's controller: it
//! patches `tekton.dev/ready` and `tekton.dev/cancel`, swaps running
//! sidecars' images for the nop image when the steps are done, and reads
//! `containerStatuses[].state.terminated`. Runs where a cluster is reachable
//! (scripts/conformance-kind, the conformance-kind workflow), not here.

mod driver;
pub mod objects;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, LogParams, PostParams};
use kube::Client;
use simulator::render::RenderOptions;
use simulator::status::{Ending, RunStatus};

use super::{controller, judge, Backend, BackendError, Observation, Settings};
use crate::catalog::Case;

/// Runs cases on the cluster of the current kubeconfig context.
pub struct KindBackend {
    runtime: tokio::runtime::Runtime,
    pods: Api<Pod>,
    namespace: String,
    images: RenderOptions,
}

fn api_err(what: &str) -> impl Fn(kube::Error) -> BackendError + '_ {
    move |e| BackendError::Run(format!("{what}: {e}"))
}

impl KindBackend {
    /// Connects with the default kubeconfig (or in-cluster config) and asks
    /// the API server for its version; fails with
    /// [`BackendError::Unavailable`] when no cluster answers.
    pub fn new(settings: &Settings) -> Result<Self, BackendError> {
        let unavailable = |why: String| BackendError::Unavailable {
            backend: "kind",
            why,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| unavailable(format!("cannot start an async runtime: {e}")))?;
        let client = runtime.block_on(Client::try_default()).map_err(|e| {
            unavailable(format!(
                "no Kubernetes configuration: {e} (run scripts/conformance-kind)"
            ))
        })?;
        runtime
            .block_on(client.apiserver_version())
            .map_err(|e| unavailable(format!("the API server does not answer: {e}")))?;
        let pods = Api::namespaced(client, &settings.namespace);
        Ok(Self {
            runtime,
            pods,
            namespace: settings.namespace.clone(),
            images: settings.images.clone(),
        })
    }

    fn attempt(
        &self,
        case: &Case,
        plan: &simulator::plan::RunPlan,
    ) -> Result<(RunStatus, BTreeMap<String, String>), BackendError> {
        let name = unique_name(&case.name);
        let pod = objects::prepare(&plan.pod, &name, &self.namespace);
        self.runtime
            .block_on(self.pods.create(&PostParams::default(), &pod))
            .map_err(api_err("create the Pod"))?;
        let result = self.observe(case, plan, &name);
        let delete = DeleteParams {
            grace_period_seconds: Some(0),
            ..DeleteParams::default()
        };
        let _ = self.runtime.block_on(self.pods.delete(&name, &delete));
        result
    }

    fn observe(
        &self,
        case: &Case,
        plan: &simulator::plan::RunPlan,
        name: &str,
    ) -> Result<(RunStatus, BTreeMap<String, String>), BackendError> {
        let mut driver = driver::ApiDriver::new(self, plan, name);
        let pod = driver.wait_started()?;
        let (ending, ready) = match objects::init_failure(&pod) {
            Some(why) => (
                Some(Ending::PodFailed(why)),
                vec![false; plan.sidecars.len()],
            ),
            None => {
                let played = controller::play(&mut driver, plan, case.cancel_after)?;
                (played.ending, played.ready)
            }
        };
        let pod = driver.last()?;
        let steps: Vec<judge::StepFacts> = plan
            .steps
            .iter()
            .map(|s| objects::step_facts(&pod, &s.container, driver.killed_at))
            .collect();
        let sidecars: Vec<judge::SidecarFacts> = plan
            .sidecars
            .iter()
            .enumerate()
            .map(|(i, s)| judge::SidecarFacts {
                ready: ready.get(i).copied().unwrap_or(false),
                exit: objects::step_facts(&pod, &s.container, driver.killed_at).exit,
            })
            .collect();
        let mut logs = BTreeMap::new();
        for step in &plan.steps {
            let params = LogParams {
                container: Some(step.container.clone()),
                ..LogParams::default()
            };
            if let Ok(text) = self.runtime.block_on(self.pods.logs(name, &params)) {
                logs.insert(step.container.clone(), text);
            }
        }
        Ok((judge::status(plan, name, &steps, &sidecars, ending), logs))
    }
}

fn unique_name(case: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let stem: String = case.chars().take(40).collect();
    format!(
        "sw-{}-{:06x}",
        stem.trim_end_matches('-'),
        (nanos ^ std::process::id()) & 0xff_ffff
    )
}

impl Backend for KindBackend {
    fn name(&self) -> &'static str {
        "kind"
    }

    fn workers(&self) -> usize {
        4
    }

    fn run(&self, case: &Case) -> Result<Observation, BackendError> {
        let plan = case.plan(&self.images);
        let mut failed: Vec<RunStatus> = Vec::new();
        for n in 0..=plan.retries {
            let (mut status, logs) = self.attempt(case, &plan)?;
            if status.succeeded() || status.reason() == "TaskRunCancelled" || n == plan.retries {
                status.retries_status = failed;
                return Ok(Observation { status, logs });
            }
            failed.push(status);
        }
        Err(BackendError::Run("no attempt ran".to_string()))
    }
}
