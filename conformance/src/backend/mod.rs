//! Runtimes a case can run on, behind one trait.

use std::collections::BTreeMap;
use std::path::PathBuf;

use simulator::render::RenderOptions;
use simulator::status::RunStatus;

use crate::catalog::Case;

#[cfg(feature = "kind")]
pub mod cluster;
pub mod controller;
pub mod judge;
pub mod podman;
pub mod sim;

/// What a backend saw: the run's TaskRun-shaped status (earlier attempts in
/// `retries_status`) and the output of the last attempt's containers.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The status, filled the way the simulator fills it.
    pub status: RunStatus,
    /// Container name -> stdout and stderr of the last attempt.
    pub logs: BTreeMap<String, String>,
}

/// Why a backend could not run a case.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The runtime is not usable here (missing tool, no cluster...).
    #[error("backend {backend} is not available: {why}")]
    Unavailable {
        /// Backend name.
        backend: &'static str,
        /// What is missing and how to get it.
        why: String,
    },
    /// The run could not be carried out (a runtime call failed).
    #[error("{0}")]
    Run(String),
}

/// A runtime the catalog runs on.
pub trait Backend: Send + Sync {
    /// Short name (`sim`, `podman`, `kind`), used in reports.
    fn name(&self) -> &'static str;

    /// Runs `case` to the end and reports what happened. Fails only when the
    /// runtime itself failed; a failing scenario is a normal observation.
    fn run(&self, case: &Case) -> Result<Observation, BackendError>;

    /// How many cases this backend runs at once.
    fn workers(&self) -> usize {
        1
    }
}

/// Which backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// The simulator (local processes).
    Sim,
    /// Real containers with `podman kube play`.
    Podman,
    /// A kind (Kubernetes) cluster through the API server.
    Kind,
    /// Any Kubernetes cluster of a kubeconfig (scripts/cluster's local one by
    /// default); Pods are bound to a Ready node by `spec.nodeName`.
    Cluster,
}

impl Kind {
    /// The name reports use.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Sim => "sim",
            Kind::Podman => "podman",
            Kind::Kind => "kind",
            Kind::Cluster => "cluster",
        }
    }
}

/// Settings shared by the backends.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Images the rendered Pods use (entrypoint/init/nop image and shell image).
    pub images: RenderOptions,
    /// The host entrypoint binary the simulator runs (default: located like `podsim` does).
    pub entrypoint_binary: Option<PathBuf>,
    /// Whether the entrypoint is upstream Tekton's (its paths under `/tekton`
    /// are fixed: the simulator must give each container its own `/tekton`).
    pub upstream: bool,
    /// The containers.conf podman runs with.
    pub containers_conf: PathBuf,
    /// Namespace the kind backend creates Pods in.
    pub namespace: String,
    /// Kubeconfig of the kind and cluster backends (default: `$KUBECONFIG`,
    /// then `~/.kube/config`; the cluster backend falls back to
    /// scripts/cluster's `target/cluster/run/admin.kubeconfig`).
    pub kubeconfig: Option<PathBuf>,
    /// How many cases a backend may run at once (podman: 2-3 on 2 cores).
    pub parallel: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            images: RenderOptions::default(),
            entrypoint_binary: None,
            upstream: false,
            containers_conf: podman::default_containers_conf(),
            namespace: "default".to_string(),
            kubeconfig: None,
            parallel: 2,
        }
    }
}

/// Creates backend `kind` with `settings`, checking that it can run here.
/// Fails with [`BackendError::Unavailable`] saying what is missing.
pub fn create(kind: Kind, settings: &Settings) -> Result<Box<dyn Backend>, BackendError> {
    match kind {
        Kind::Sim => Ok(Box::new(sim::Sim::new(settings)?)),
        Kind::Podman => Ok(Box::new(podman::Podman::new(settings)?)),
        #[cfg(feature = "kind")]
        Kind::Kind | Kind::Cluster => Ok(Box::new(cluster::ClusterBackend::new(kind, settings)?)),
        #[cfg(not(feature = "kind"))]
        Kind::Kind | Kind::Cluster => Err(BackendError::Unavailable {
            backend: kind.name(),
            why: "this binary was built without the `kind` cargo feature".to_string(),
        }),
    }
}
