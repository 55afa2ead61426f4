//! The run side of the model: references, workspace bindings and TaskRuns.

use k8s_openapi::api::core::v1::EnvVar;
use serde::{Deserialize, Serialize};

use super::{Meta, Param, TaskSpec, Unsupported};

/// A reference to a Task or Pipeline (`TaskRef` / `PipelineRef`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Ref {
    /// Name of the definition.
    #[serde(default)]
    pub name: Option<String>,
    /// `Task` (default), `ClusterTask`, or a custom kind.
    #[serde(default)]
    pub kind: Option<String>,
    /// Set for custom tasks.
    #[serde(default)]
    pub api_version: Option<String>,
    /// Remote resolution: not supported.
    #[serde(default)]
    pub resolver: Unsupported,
    /// Remote resolution: not supported.
    #[serde(default)]
    pub params: Unsupported,
    /// v1beta1 bundles: not supported.
    #[serde(default)]
    pub bundle: Unsupported,
}

/// A workspace binding of a run (`WorkspaceBinding`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkspaceBinding {
    /// Workspace name.
    pub name: String,
    /// Sub-directory of the volume.
    #[serde(default)]
    pub sub_path: Option<String>,
    /// A fresh directory per TaskRun.
    #[serde(default)]
    pub empty_dir: Option<serde_json::Value>,
    /// One directory for the whole run.
    #[serde(default)]
    pub persistent_volume_claim: Option<serde_json::Value>,
    /// One directory for the whole run.
    #[serde(default)]
    pub volume_claim_template: Option<serde_json::Value>,
    /// From `--workspace NAME=DIR`.
    #[serde(default)]
    pub config_map: Option<serde_json::Value>,
    /// From `--workspace NAME=DIR`.
    #[serde(default)]
    pub secret: Option<serde_json::Value>,
    /// Not supported.
    #[serde(default)]
    pub projected: Unsupported,
    /// Not supported.
    #[serde(default)]
    pub csi: Unsupported,
}

/// A TaskRun's `podTemplate` (the parts that mean something locally).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodTemplate {
    /// Environment added to every step (after its own, so it wins).
    #[serde(default)]
    pub env: Vec<EnvVar>,
    /// Accepted, not enforced.
    #[serde(default)]
    pub security_context: Option<serde_json::Value>,
    /// Accepted, meaningless locally.
    #[serde(default)]
    pub node_selector: Option<serde_json::Value>,
    /// Accepted, meaningless locally.
    #[serde(default)]
    pub service_account_name: Option<String>,
    /// Not supported.
    #[serde(default)]
    pub volumes: Unsupported,
    /// Not supported.
    #[serde(default)]
    pub host_aliases: Unsupported,
}

/// A per-step or per-sidecar override (`TaskRunStepSpec` / `TaskRunSidecarSpec`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContainerSpec {
    /// The step or sidecar it applies to.
    pub name: String,
    /// Accepted and reported as not enforced (`resources` in v1beta1).
    #[serde(default, alias = "resources")]
    pub compute_resources: Option<serde_json::Value>,
}

/// A TaskRun's spec.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TaskRunSpec {
    /// The Task to run, by name.
    #[serde(default)]
    pub task_ref: Option<Ref>,
    /// The Task to run, inline.
    #[serde(default)]
    pub task_spec: Option<TaskSpec>,
    /// Parameters.
    #[serde(default)]
    pub params: Vec<Param>,
    /// Workspace bindings.
    #[serde(default)]
    pub workspaces: Vec<WorkspaceBinding>,
    /// Timeout (Go duration; `0` means none).
    #[serde(default)]
    pub timeout: Option<String>,
    /// Retries.
    #[serde(default)]
    pub retries: u32,
    /// Accepted; no credentials are mounted locally.
    #[serde(default)]
    pub service_account_name: Option<String>,
    /// Pod template.
    #[serde(default)]
    pub pod_template: Option<PodTemplate>,
    /// Per-step overrides (`stepOverrides` in v1beta1).
    #[serde(default, alias = "stepOverrides")]
    pub step_specs: Vec<ContainerSpec>,
    /// Per-sidecar overrides (`sidecarOverrides` in v1beta1).
    #[serde(default, alias = "sidecarOverrides")]
    pub sidecar_specs: Vec<ContainerSpec>,
    /// Accepted and reported as not enforced.
    #[serde(default)]
    pub compute_resources: Option<serde_json::Value>,
    /// `TaskRunCancelled` cancels before start: not supported.
    #[serde(default)]
    pub status: Unsupported,
    /// Not supported.
    #[serde(default)]
    pub status_message: Unsupported,
    /// Not supported.
    #[serde(default)]
    pub debug: Unsupported,
    /// v1beta1 PipelineResources: not supported.
    #[serde(default)]
    pub resources: Unsupported,
}

/// A TaskRun.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TaskRun {
    /// `tekton.dev/v1` or `tekton.dev/v1beta1`.
    pub api_version: String,
    /// `TaskRun`.
    pub kind: String,
    /// Metadata.
    #[serde(default)]
    pub metadata: Meta,
    /// The spec.
    #[serde(default)]
    pub spec: TaskRunSpec,
    /// Ignored when present (output of a cluster).
    #[serde(default)]
    pub status: Unsupported,
}
