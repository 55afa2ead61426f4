//! The `kind` and `cluster` backends (one code): the rendered Pod on a real
//! Kubernetes cluster through the API server (kube-rs). The harness plays
//! Tekton's controller: it patches `tekton.dev/ready` and
//! `tekton.dev/cancel`, swaps running sidecars' images for the nop image when
//! the steps are done, and reads `containerStatuses[].state.terminated`.
//! `kind` uses the current kubeconfig context and the cluster's scheduler;
//! `cluster` takes any kubeconfig (scripts/cluster's local one by default)
//! and binds each Pod to a Ready node itself (`spec.nodeName`), so a
//! control plane without kube-scheduler serves.

pub mod connect;
mod driver;
pub mod objects;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, LogParams, PostParams};
use kube::Client;
use simulator::render::RenderOptions;
use simulator::status::{Ending, RunStatus};

use super::{controller, judge, Backend, BackendError, Kind, Observation, Settings};
use crate::catalog::Case;

/// Runs cases on the cluster of a kubeconfig.
pub struct ClusterBackend {
    name: &'static str,
    runtime: tokio::runtime::Runtime,
    pods: Api<Pod>,
    namespace: String,
    /// The node every Pod is bound to (`cluster`), or `None` (`kind`: the scheduler places it).
    node: Option<String>,
    images: RenderOptions,
}

fn api_err(what: &str) -> impl Fn(kube::Error) -> BackendError + '_ {
    move |e| BackendError::Run(format!("{what}: {e}"))
}

impl ClusterBackend {
    /// Connects as backend `kind` ([`Kind::Kind`] or [`Kind::Cluster`]) with
    /// the kubeconfig [`connect::kubeconfig_path`] picks and asks the API
    /// server for its version; `cluster` also picks the first Ready node.
    /// Fails with [`BackendError::Unavailable`] when the kubeconfig cannot be
    /// read, no API server answers, or (`cluster`) no node is Ready.
    pub fn new(kind: Kind, settings: &Settings) -> Result<Self, BackendError> {
        let name = kind.name();
        let unavailable = |why: String| BackendError::Unavailable { backend: name, why };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| unavailable(format!("cannot start an async runtime: {e}")))?;
        let path = connect::kubeconfig_path(kind, settings.kubeconfig.as_deref());
        let client: Client = runtime
            .block_on(connect::client(path.as_deref()))
            .map_err(unavailable)?;
        runtime
            .block_on(client.apiserver_version())
            .map_err(|e| unavailable(format!("the API server does not answer: {e}")))?;
        let node = match kind {
            Kind::Cluster => Some(
                runtime
                    .block_on(connect::ready_node(&client))
                    .map_err(unavailable)?,
            ),
            _ => None,
        };
        let pods = Api::namespaced(client, &settings.namespace);
        Ok(Self {
            name,
            runtime,
            pods,
            namespace: settings.namespace.clone(),
            node,
            images: settings.images.clone(),
        })
    }

    fn attempt(
        &self,
        case: &Case,
        plan: &simulator::plan::RunPlan,
    ) -> Result<(RunStatus, BTreeMap<String, String>), BackendError> {
        let name = unique_name(&case.name);
        let mut pod = objects::prepare(&plan.pod, &name, &self.namespace, self.node.as_deref());
        if plan.ready_at_start() {
            objects::annotate_ready(&mut pod);
        }
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

impl Backend for ClusterBackend {
    fn name(&self) -> &'static str {
        self.name
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
