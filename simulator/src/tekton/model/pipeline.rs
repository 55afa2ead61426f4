//! Pipelines and PipelineRuns (`pkg/apis/pipeline/v1` `pipeline_types.go`,
//! `pipelinerun_types.go`), the subset podsim runs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    ContainerSpec, Meta, Param, ParamSpec, PodTemplate, Ref, TaskSpec, Unsupported, When,
    WorkspaceBinding,
};

/// A task of a Pipeline (`PipelineTask`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PipelineTask {
    /// Name, unique in the Pipeline.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// The Task, by name (or a custom task by apiVersion/kind).
    #[serde(default)]
    pub task_ref: Option<Ref>,
    /// The Task, inline (an `EmbeddedTask`: a TaskSpec, or a custom task's `apiVersion`/`kind`/`spec`).
    #[serde(default)]
    pub task_spec: Option<EmbeddedTask>,
    /// Tasks that must end first.
    #[serde(default)]
    pub run_after: Vec<String>,
    /// Parameters.
    #[serde(default)]
    pub params: Vec<Param>,
    /// Workspaces of the Task, mapped to the Pipeline's.
    #[serde(default)]
    pub workspaces: Vec<PipelineTaskWorkspace>,
    /// Guards.
    #[serde(default)]
    pub when: Vec<When>,
    /// Retries of the TaskRun.
    #[serde(default)]
    pub retries: u32,
    /// Timeout of the TaskRun (Go duration).
    #[serde(default)]
    pub timeout: Option<String>,
    /// Fan-out: one TaskRun per combination of params.
    #[serde(default)]
    pub matrix: Option<Matrix>,
    /// `continue` lets the Pipeline go on when this task fails; `stopAndFail` (the default) does not.
    #[serde(default)]
    pub on_error: Option<String>,
    /// Not supported.
    #[serde(default)]
    pub pipeline_ref: Unsupported,
    /// Not supported.
    #[serde(default)]
    pub pipeline_spec: Unsupported,
}

/// A pipeline task's `matrix`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Matrix {
    /// Array params: their cartesian product.
    #[serde(default)]
    pub params: Vec<Param>,
    /// Named combinations, or extra params for the combinations they match.
    #[serde(default)]
    pub include: Vec<MatrixInclude>,
}

/// An entry of `matrix.include` (`IncludeParams`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MatrixInclude {
    /// Free text.
    #[serde(default)]
    pub name: Option<String>,
    /// String params.
    #[serde(default)]
    pub params: Vec<Param>,
}

/// An inline task of a pipeline task: a TaskSpec with optional metadata, or
/// a custom task (`apiVersion`, `kind`, `spec`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EmbeddedTask {
    /// The Task spec's fields.
    #[serde(flatten)]
    pub task: TaskSpec,
    /// Labels and annotations of the TaskRun.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    /// A custom task's API version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// A custom task's kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// A custom task's spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<serde_json::Value>,
}

impl<'de> Deserialize<'de> for EmbeddedTask {
    /// Takes `metadata`, `apiVersion`, `kind` and `spec` out, then reads the
    /// rest as a [`TaskSpec`] (unknown fields rejected there); a custom
    /// task's fields are not read as a TaskSpec.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut map = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        let mut take = |key: &str| map.remove(key);
        let metadata = take("metadata");
        let string = |v: Option<serde_json::Value>| -> Result<Option<String>, D::Error> {
            v.map(|v| serde_json::from_value(v).map_err(D::Error::custom))
                .transpose()
        };
        let api_version = string(take("apiVersion"))?;
        let kind = string(take("kind"))?;
        let spec = take("spec");
        let task = if api_version.is_some() || kind.is_some() {
            TaskSpec::default()
        } else {
            serde_json::from_value(serde_json::Value::Object(map)).map_err(D::Error::custom)?
        };
        Ok(Self {
            task,
            metadata,
            api_version,
            kind,
            spec,
        })
    }
}

/// A pipeline task's workspace (`WorkspacePipelineTaskBinding`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PipelineTaskWorkspace {
    /// The Task's workspace name.
    pub name: String,
    /// The Pipeline's workspace (default: the same name).
    #[serde(default)]
    pub workspace: Option<String>,
    /// Sub-directory.
    #[serde(default)]
    pub sub_path: Option<String>,
}

/// A workspace a Pipeline declares.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PipelineWorkspace {
    /// Name.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// May be left unbound.
    #[serde(default)]
    pub optional: bool,
}

/// A Pipeline result (`PipelineResult`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PipelineResult {
    /// Name.
    pub name: String,
    /// `string`, `array` or `object`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Usually `$(tasks.<t>.results.<r>)`.
    pub value: super::ParamValue,
}

/// A Pipeline's spec.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PipelineSpec {
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Free text.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Parameters.
    #[serde(default)]
    pub params: Vec<ParamSpec>,
    /// Workspaces.
    #[serde(default)]
    pub workspaces: Vec<PipelineWorkspace>,
    /// The DAG.
    #[serde(default)]
    pub tasks: Vec<PipelineTask>,
    /// Run after the DAG, whatever happened.
    #[serde(default)]
    pub finally: Vec<PipelineTask>,
    /// Results.
    #[serde(default)]
    pub results: Vec<PipelineResult>,
    /// v1beta1 PipelineResources: not supported.
    #[serde(default)]
    pub resources: Unsupported,
}

/// A Pipeline.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Pipeline {
    /// `tekton.dev/v1` or `tekton.dev/v1beta1`.
    pub api_version: String,
    /// `Pipeline`.
    pub kind: String,
    /// Metadata.
    #[serde(default)]
    pub metadata: Meta,
    /// The spec.
    #[serde(default)]
    pub spec: PipelineSpec,
}

/// `timeouts` of a PipelineRun.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Timeouts {
    /// The whole run (default 1h; `0`: none).
    #[serde(default)]
    pub pipeline: Option<String>,
    /// The DAG tasks.
    #[serde(default)]
    pub tasks: Option<String>,
    /// The finally tasks.
    #[serde(default)]
    pub finally: Option<String>,
}

/// A PipelineRun's spec.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PipelineRunSpec {
    /// The Pipeline, by name.
    #[serde(default)]
    pub pipeline_ref: Option<Ref>,
    /// The Pipeline, inline.
    #[serde(default)]
    pub pipeline_spec: Option<PipelineSpec>,
    /// Parameters.
    #[serde(default)]
    pub params: Vec<Param>,
    /// Workspace bindings.
    #[serde(default)]
    pub workspaces: Vec<WorkspaceBinding>,
    /// Timeouts.
    #[serde(default)]
    pub timeouts: Option<Timeouts>,
    /// v1beta1's single timeout.
    #[serde(default)]
    pub timeout: Option<String>,
    /// What every child TaskRun gets (service account, pod template).
    #[serde(default)]
    pub task_run_template: Option<TaskRunTemplate>,
    /// What one pipeline task's TaskRun gets.
    #[serde(default)]
    pub task_run_specs: Vec<PipelineTaskRunSpec>,
    /// v1beta1's pod template for every TaskRun (`taskRunTemplate.podTemplate` in v1).
    #[serde(default)]
    pub pod_template: Option<PodTemplate>,
    /// Not supported (a PipelineRun created cancelled or pending).
    #[serde(default)]
    pub status: Unsupported,
    /// v1beta1 PipelineResources: not supported.
    #[serde(default)]
    pub resources: Unsupported,
    /// v1beta1's service account for every TaskRun (`taskRunTemplate.serviceAccountName` in v1).
    #[serde(default)]
    pub service_account_name: Option<String>,
}

/// `taskRunTemplate`: what every child TaskRun of a PipelineRun gets.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TaskRunTemplate {
    /// The pod template.
    #[serde(default)]
    pub pod_template: Option<PodTemplate>,
    /// The service account.
    #[serde(default)]
    pub service_account_name: Option<String>,
}

/// One `taskRunSpecs[]` entry: what one pipeline task's TaskRun gets.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PipelineTaskRunSpec {
    /// The pipeline task it applies to.
    pub pipeline_task_name: String,
    /// The service account (`taskServiceAccountName` in v1beta1).
    #[serde(default, alias = "taskServiceAccountName")]
    pub service_account_name: Option<String>,
    /// The pod template, merged over the template's (`taskPodTemplate` in v1beta1).
    #[serde(default, alias = "taskPodTemplate")]
    pub pod_template: Option<PodTemplate>,
    /// Per-step overrides (`stepOverrides` in v1beta1).
    #[serde(default, alias = "stepOverrides")]
    pub step_specs: Vec<ContainerSpec>,
    /// Per-sidecar overrides (`sidecarOverrides` in v1beta1).
    #[serde(default, alias = "sidecarOverrides")]
    pub sidecar_specs: Vec<ContainerSpec>,
    /// Labels and annotations for the TaskRun.
    #[serde(default)]
    pub metadata: Option<TaskMetadata>,
    /// Accepted and reported as not enforced.
    #[serde(default)]
    pub compute_resources: Option<serde_json::Value>,
}

/// Labels and annotations of a `taskRunSpecs[]` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaskMetadata {
    /// Labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// A PipelineRun.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PipelineRun {
    /// `tekton.dev/v1` or `tekton.dev/v1beta1`.
    pub api_version: String,
    /// `PipelineRun`.
    pub kind: String,
    /// Metadata.
    #[serde(default)]
    pub metadata: Meta,
    /// The spec.
    #[serde(default)]
    pub spec: PipelineRunSpec,
    /// Ignored when present (output of a cluster).
    #[serde(default)]
    pub status: Unsupported,
}
