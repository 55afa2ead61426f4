//! What the local controller needs to run a Pod: the Pod plus the
//! controller-side knobs a Pod does not carry (attempt timeout, retries,
//! sub-second probe periods, result types).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;

use crate::duration::parse_go_duration;
use crate::render::{render, RenderOptions, DOWNWARD_VOLUME};
use crate::scenario::{ResultSpec, Scenario};

/// A readiness check of a sidecar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeCheck {
    /// Run this command (container paths), ready when it exits 0.
    Exec(Vec<String>),
    /// Ready once this container path exists.
    File(String),
}

/// A sidecar's readiness probe with its timing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbePlan {
    /// What to check.
    pub check: ProbeCheck,
    /// Delay before the first check.
    pub initial_delay: Duration,
    /// Time between checks.
    pub period: Duration,
}

/// A step container of the Pod.
#[derive(Debug, Clone, PartialEq)]
pub struct StepPlan {
    /// Name shown in the status (`name` of the step, or the container name).
    pub name: String,
    /// Container name in the Pod.
    pub container: String,
    /// Declared step results.
    pub results: Vec<ResultSpec>,
}

/// A sidecar container of the Pod.
#[derive(Debug, Clone, PartialEq)]
pub struct SidecarPlan {
    /// Name shown in the status.
    pub name: String,
    /// Container name in the Pod.
    pub container: String,
    /// Readiness probe; ready once started without one.
    pub probe: Option<ProbePlan>,
}

/// A Pod ready to run, with the controller's knobs.
#[derive(Debug, Clone)]
pub struct RunPlan {
    /// The run's name (the scenario's, a TaskRun's; a Pod manifest's Pod
    /// name), as the `Succeeded` condition's messages name it.
    pub name: String,
    /// The Pod.
    pub pod: Pod,
    /// Step containers, in order.
    pub steps: Vec<StepPlan>,
    /// Sidecar containers.
    pub sidecars: Vec<SidecarPlan>,
    /// Timeout of one attempt.
    pub timeout: Option<Duration>,
    /// Retries after a failed attempt.
    pub retries: u32,
    /// Declared task results.
    pub results: Vec<ResultSpec>,
    /// Whether the Pod has the downward volume the controller writes `ready`/`cancel` into.
    pub has_downward: bool,
    /// Pod volumes backed by a host directory the caller owns, by volume
    /// name: the runtime mounts that directory whatever the volume's source
    /// says (a PipelineRun's shared workspace, a configMap materialised from
    /// local files) and never creates or deletes it. Unbound volumes get a
    /// fresh directory inside the Pod directory.
    pub bindings: BTreeMap<String, PathBuf>,
}

impl RunPlan {
    /// Whether `ready` is in the downward volume before any step looks: with
    /// no sidecar to wait for, every runtime writes it as the Pod starts (the
    /// local runtime at spawn, podman into the host file, the cluster backend
    /// as an annotation at create), so the first step never waits on a
    /// controller pass, a kubelet sync or upstream's one-second poll.
    pub fn ready_at_start(&self) -> bool {
        self.sidecars.is_empty()
    }
}

/// Plans a run of a validated scenario: renders its Pod with `options` and
/// keeps the timeout, retries, exact probe periods and result types.
/// Unparsable durations (only possible without validation) count as absent.
pub fn from_scenario(scenario: &Scenario, options: &RenderOptions) -> RunPlan {
    let pod = render(scenario, options);
    let steps = scenario
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| StepPlan {
            name: step.name.clone().unwrap_or_else(|| format!("unnamed-{i}")),
            container: step.container_name(i),
            results: step.results.clone(),
        })
        .collect();
    let sidecars = scenario
        .sidecars
        .iter()
        .map(|sidecar| SidecarPlan {
            name: sidecar.name.clone(),
            container: sidecar.container_name(),
            probe: sidecar.readiness_probe.as_ref().map(|probe| ProbePlan {
                check: match &probe.file {
                    Some(file) => ProbeCheck::File(file.clone()),
                    None => ProbeCheck::Exec(probe.exec.clone()),
                },
                initial_delay: Duration::ZERO,
                period: duration(probe.period.as_deref()).unwrap_or(Duration::from_secs(1)),
            }),
        })
        .collect();
    RunPlan {
        name: scenario.name.clone(),
        pod,
        steps,
        sidecars,
        timeout: duration(scenario.timeout.as_deref()).filter(|d| !d.is_zero()),
        retries: scenario.retries,
        results: scenario.results.clone(),
        has_downward: true,
        bindings: BTreeMap::new(),
    }
}

/// Plans a run of a plain Pod manifest: containers named `sidecar-*` are
/// sidecars (exec readiness probes honoured with Kubernetes' defaults), every
/// other container is a step; no timeout, no retries.
pub fn from_pod(pod: Pod) -> RunPlan {
    let containers = pod
        .spec
        .as_ref()
        .map(|s| s.containers.clone())
        .unwrap_or_default();
    let mut steps = Vec::new();
    let mut sidecars = Vec::new();
    for container in containers {
        let shown = container
            .name
            .strip_prefix("step-")
            .unwrap_or(&container.name)
            .to_string();
        match container.name.strip_prefix("sidecar-") {
            Some(name) => sidecars.push(SidecarPlan {
                name: name.to_string(),
                probe: container.readiness_probe.as_ref().and_then(|probe| {
                    let command = probe.exec.as_ref()?.command.clone()?;
                    Some(ProbePlan {
                        check: ProbeCheck::Exec(command),
                        initial_delay: Duration::from_secs(
                            probe.initial_delay_seconds.unwrap_or(0).max(0) as u64,
                        ),
                        period: Duration::from_secs(
                            probe.period_seconds.unwrap_or(10).max(1) as u64
                        ),
                    })
                }),
                container: container.name,
            }),
            None => steps.push(StepPlan {
                name: shown,
                container: container.name,
                results: Vec::new(),
            }),
        }
    }
    let has_downward = pod
        .spec
        .as_ref()
        .and_then(|s| s.volumes.as_ref())
        .is_some_and(|v| v.iter().any(|v| v.name == DOWNWARD_VOLUME));
    RunPlan {
        name: pod.metadata.name.clone().unwrap_or_default(),
        pod,
        steps,
        sidecars,
        timeout: None,
        retries: 0,
        results: Vec::new(),
        has_downward,
        bindings: BTreeMap::new(),
    }
}

fn duration(text: Option<&str>) -> Option<Duration> {
    text.and_then(|t| parse_go_duration(t).ok())
}
