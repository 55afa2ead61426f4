//! The scenario file: a Task-shaped description of one Pod's steps and sidecars.
//!
//! Field names follow Tekton's Task spec (camelCase). Unknown fields are
//! rejected at parse time (see [`crate::input`]); semantic checks live in
//! [`crate::validate`].

use serde::{Deserialize, Serialize};

/// A Task-shaped scenario: what `podsim render` and `podsim run` take.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Scenario {
    /// The Task name; the Pod is called `<name>-pod`.
    pub name: String,
    /// Free text, ignored by the runtime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Steps, run in order.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Sidecars, started with the steps and stopped when they are done.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sidecars: Vec<Sidecar>,
    /// Task results, written by steps under `/tekton/results/<name>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<ResultSpec>,
    /// Timeout of one attempt (Go duration); none when absent or `0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// How many times a failed attempt is retried.
    #[serde(default)]
    pub retries: u32,
    /// Shared emptyDir-like volumes steps and sidecars can mount.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<VolumeSpec>,
}

/// One step: a container wrapped by the entrypoint.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Step {
    /// Step name; the container is `step-<name>` (`step-unnamed-<i>` without).
    #[serde(default)]
    pub name: Option<String>,
    /// Container image; ignored by the local runtime.
    #[serde(default)]
    pub image: Option<String>,
    /// The command; required unless `script` is given.
    #[serde(default)]
    pub command: Vec<String>,
    /// Arguments after the command.
    #[serde(default)]
    pub args: Vec<String>,
    /// A script body, run as the command (`#!/bin/sh\nset -e` is prepended without a shebang).
    #[serde(default)]
    pub script: Option<String>,
    /// Environment variables.
    #[serde(default)]
    pub env: Vec<EnvVar>,
    /// Working directory (default `/workspace`).
    #[serde(default)]
    pub working_dir: Option<String>,
    /// `continue` or `stopAndFail`.
    #[serde(default)]
    pub on_error: Option<String>,
    /// Step timeout (Go duration).
    #[serde(default)]
    pub timeout: Option<String>,
    /// Step results, written under `$(step.results.<name>.path)`.
    #[serde(default)]
    pub results: Vec<ResultSpec>,
    /// Copy stdout to this path too.
    #[serde(default)]
    pub stdout_config: Option<OutputConfig>,
    /// Copy stderr to this path too.
    #[serde(default)]
    pub stderr_config: Option<OutputConfig>,
    /// `when` expressions deciding whether the step runs.
    #[serde(default)]
    pub when: Vec<WhenExpression>,
    /// Mounts of the scenario's volumes.
    #[serde(default)]
    pub volume_mounts: Vec<Mount>,
}

/// A sidecar: a container run next to the steps, not wrapped by the entrypoint.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Sidecar {
    /// Sidecar name; the container is `sidecar-<name>`.
    pub name: String,
    /// Container image; ignored by the local runtime.
    #[serde(default)]
    pub image: Option<String>,
    /// The command; required unless `script` is given.
    #[serde(default)]
    pub command: Vec<String>,
    /// Arguments after the command.
    #[serde(default)]
    pub args: Vec<String>,
    /// A script body, run as the command.
    #[serde(default)]
    pub script: Option<String>,
    /// Environment variables.
    #[serde(default)]
    pub env: Vec<EnvVar>,
    /// Working directory.
    #[serde(default)]
    pub working_dir: Option<String>,
    /// When the sidecar counts as ready; ready once started without one.
    #[serde(default)]
    pub readiness_probe: Option<ReadinessProbe>,
    /// Mounts of the scenario's volumes.
    #[serde(default)]
    pub volume_mounts: Vec<Mount>,
}

/// A readiness probe: exactly one of `exec` and `file`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReadinessProbe {
    /// A command that exits 0 once the sidecar is ready.
    #[serde(default)]
    pub exec: Vec<String>,
    /// A container path that exists once the sidecar is ready.
    #[serde(default)]
    pub file: Option<String>,
    /// Time between two probes (Go duration, default `1s`).
    #[serde(default)]
    pub period: Option<String>,
}

/// A declared task or step result.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResultSpec {
    /// Result name.
    pub name: String,
    /// `string` (default), `array` or `object`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// An environment variable.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvVar {
    /// Variable name.
    pub name: String,
    /// Its value.
    #[serde(default)]
    pub value: String,
}

/// `stdoutConfig` / `stderrConfig`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OutputConfig {
    /// Container path the stream is copied to.
    pub path: String,
}

/// A `when` expression, passed to the entrypoint as JSON.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WhenExpression {
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

/// A shared emptyDir-like volume.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VolumeSpec {
    /// Volume name, referenced by mounts.
    pub name: String,
}

/// A volume mount in a step or sidecar.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Mount {
    /// Name of a volume in `volumes`.
    pub name: String,
    /// Absolute container path.
    pub mount_path: String,
    /// A path inside the volume to mount instead of its root (relative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_path: Option<String>,
    /// Mounted read-only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
}

impl Step {
    /// The container name Tekton gives step `index`: `step-<name>` or `step-unnamed-<index>`.
    pub fn container_name(&self, index: usize) -> String {
        match &self.name {
            Some(name) => format!("step-{name}"),
            None => format!("step-unnamed-{index}"),
        }
    }
}

impl Sidecar {
    /// The container name Tekton gives this sidecar: `sidecar-<name>`.
    pub fn container_name(&self) -> String {
        format!("sidecar-{}", self.name)
    }
}
