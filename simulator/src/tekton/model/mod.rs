//! Tekton's resources as serde types, written from upstream's Go types in
//! `pkg/apis/pipeline/v1` (field names and shapes; only the subset podsim
//! runs). `tekton.dev/v1beta1` documents parse into the same types: the
//! fields v1beta1 renamed are accepted under their old names (aliases), the
//! ones it dropped in v1 (`resources` as PipelineResources) are rejected.
//!
//! Every struct denies unknown fields so a misspelt field is an error with
//! a suggestion; fields upstream has that podsim does not run are parsed as
//! [`Unsupported`] and reported by [`super::check`] by name.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{EnvVar, Volume, VolumeMount};
use serde::{Deserialize, Serialize};

/// A field upstream has and podsim does not run: kept only to name it in an error.
pub type Unsupported = Option<serde_json::Value>;

/// `metadata` of a Tekton resource.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// `generateName`: used as `<generateName>run` when there is no name.
    #[serde(default)]
    pub generate_name: Option<String>,
    /// Namespace (`default` when absent).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// UID (generated when absent).
    #[serde(default)]
    pub uid: Option<String>,
}

impl Meta {
    /// The name, else `generateName` completed with a fixed suffix, else `fallback`.
    pub fn name_or(&self, fallback: &str) -> String {
        match (&self.name, &self.generate_name) {
            (Some(name), _) => name.clone(),
            (None, Some(prefix)) => format!("{prefix}run"),
            (None, None) => fallback.to_string(),
        }
    }
}

/// A parameter value: string, array of strings or object of strings.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// `type: string`.
    String(String),
    /// `type: array`.
    Array(Vec<String>),
    /// `type: object`.
    Object(BTreeMap<String, String>),
}

impl ParamValue {
    /// `string`, `array` or `object`.
    pub fn kind(&self) -> &'static str {
        match self {
            ParamValue::String(_) => "string",
            ParamValue::Array(_) => "array",
            ParamValue::Object(_) => "object",
        }
    }
}

/// A declared parameter (`ParamSpec`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ParamSpec {
    /// Name.
    pub name: String,
    /// `string` (default), `array` or `object`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Default value.
    #[serde(default)]
    pub default: Option<ParamValue>,
    /// Keys of an object parameter.
    #[serde(default)]
    pub properties: BTreeMap<String, serde_json::Value>,
    /// Allowed values.
    #[serde(default, rename = "enum")]
    pub allowed: Vec<String>,
}

/// A parameter passed to a run or a pipeline task (`Param`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    /// Name.
    pub name: String,
    /// Value.
    pub value: ParamValue,
}

/// A declared result (`TaskResult` / `StepResult`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResultDecl {
    /// Name.
    pub name: String,
    /// `string` (default), `array` or `object`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Keys of an object result.
    #[serde(default)]
    pub properties: BTreeMap<String, serde_json::Value>,
    /// `value` (StepAction results from a step): not run by podsim.
    #[serde(default)]
    pub value: Unsupported,
}

/// `stdoutConfig` / `stderrConfig`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Path the stream is copied to.
    pub path: String,
}

/// A `when` expression (`WhenExpression`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// Left-hand value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// `in` or `notin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Candidate values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// A CEL expression instead of input/operator/values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cel: Option<String>,
}

/// A step's `when` as the scenario (and so the entrypoint) carries it: the
/// same four fields.
impl From<When> for crate::scenario::WhenExpression {
    fn from(w: When) -> Self {
        Self {
            input: w.input,
            operator: w.operator,
            values: w.values,
            cel: w.cel,
        }
    }
}

/// A step (`Step`), also used for `stepTemplate` and sidecars' common fields.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Step {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Image.
    #[serde(default)]
    pub image: Option<String>,
    /// Command.
    #[serde(default)]
    pub command: Vec<String>,
    /// Arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// Script body.
    #[serde(default)]
    pub script: Option<String>,
    /// Environment (`value` only; `valueFrom` is not supported).
    #[serde(default)]
    pub env: Vec<EnvVar>,
    /// Working directory.
    #[serde(default)]
    pub working_dir: Option<String>,
    /// `continue` or `stopAndFail`.
    #[serde(default)]
    pub on_error: Option<String>,
    /// Step timeout (Go duration).
    #[serde(default)]
    pub timeout: Option<String>,
    /// Step results.
    #[serde(default)]
    pub results: Vec<ResultDecl>,
    /// Copy stdout here.
    #[serde(default)]
    pub stdout_config: Option<OutputConfig>,
    /// Copy stderr here.
    #[serde(default)]
    pub stderr_config: Option<OutputConfig>,
    /// Step `when` expressions.
    #[serde(default)]
    pub when: Vec<When>,
    /// Volume mounts (of Task volumes).
    #[serde(default)]
    pub volume_mounts: Vec<VolumeMount>,
    /// Accepted and reported as not enforced (`resources` in v1beta1).
    #[serde(default, alias = "resources")]
    pub compute_resources: Option<serde_json::Value>,
    /// Accepted; the local runtime pulls nothing.
    #[serde(default)]
    pub image_pull_policy: Option<String>,
    /// Accepted, not enforced by the local runtime.
    #[serde(default)]
    pub security_context: Option<serde_json::Value>,
    /// Not supported.
    #[serde(default, rename = "ref")]
    pub step_ref: Unsupported,
    /// Not supported.
    #[serde(default)]
    pub params: Unsupported,
    /// Not supported.
    #[serde(default)]
    pub env_from: Unsupported,
    /// Not supported.
    #[serde(default)]
    pub workspaces: Unsupported,
    /// Not supported.
    #[serde(default)]
    pub volume_devices: Unsupported,
    /// Readiness probe (sidecars only; `exec` only).
    #[serde(default)]
    pub readiness_probe: Option<k8s_openapi::api::core::v1::Probe>,
    /// Not supported.
    #[serde(default)]
    pub ports: Unsupported,
}

/// A workspace a Task declares (`WorkspaceDeclaration`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkspaceDecl {
    /// Name.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Mount path (default `/workspace/<name>`).
    #[serde(default)]
    pub mount_path: Option<String>,
    /// Mounted read-only.
    #[serde(default)]
    pub read_only: bool,
    /// May be left unbound.
    #[serde(default)]
    pub optional: bool,
}

impl WorkspaceDecl {
    /// The mount path upstream uses.
    pub fn path(&self) -> String {
        self.mount_path
            .clone()
            .unwrap_or_else(|| format!("/workspace/{}", self.name))
    }
}

/// A Task's spec (`TaskSpec`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TaskSpec {
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Free text.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Parameters.
    #[serde(default)]
    pub params: Vec<ParamSpec>,
    /// Steps.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Defaults for every step.
    #[serde(default)]
    pub step_template: Option<Step>,
    /// Sidecars.
    #[serde(default)]
    pub sidecars: Vec<Step>,
    /// Workspaces.
    #[serde(default)]
    pub workspaces: Vec<WorkspaceDecl>,
    /// Results.
    #[serde(default)]
    pub results: Vec<ResultDecl>,
    /// Volumes (emptyDir only).
    #[serde(default)]
    pub volumes: Vec<Volume>,
    /// v1beta1 PipelineResources: removed upstream, not supported.
    #[serde(default)]
    pub resources: Unsupported,
}

/// A Task (`kind: Task`) or the embedded spec of a run.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Task {
    /// `tekton.dev/v1` or `tekton.dev/v1beta1`.
    pub api_version: String,
    /// `Task`.
    pub kind: String,
    /// Metadata.
    #[serde(default)]
    pub metadata: Meta,
    /// The spec.
    #[serde(default)]
    pub spec: TaskSpec,
}

mod run;
pub use run::*;
mod pipeline;
pub use pipeline::*;
