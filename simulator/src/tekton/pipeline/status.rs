//! A PipelineRun's status in Tekton's v1 shape (`PipelineRunStatus`).

use serde::Serialize;

use crate::status::Condition;
use crate::tekton::model::{PipelineSpec, When};

/// `.status` of a PipelineRun.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineRunStatus {
    /// The `Succeeded` condition.
    pub conditions: Vec<Condition>,
    /// When the run started.
    pub start_time: String,
    /// When it ended.
    pub completion_time: String,
    /// The TaskRuns (and CustomRuns) it created.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub child_references: Vec<ChildReference>,
    /// Tasks that did not run, with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_tasks: Vec<SkippedTask>,
    /// Pipeline results.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<PipelineResultValue>,
    /// The Pipeline spec that ran.
    #[serde(serialize_with = "crate::tekton::status::pruned_spec")]
    pub pipeline_spec: PipelineSpec,
}

/// One entry of `childReferences`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChildReference {
    /// `tekton.dev/v1`.
    pub api_version: String,
    /// `TaskRun` or `CustomRun`.
    pub kind: String,
    /// The child's name.
    pub name: String,
    /// The pipeline task it runs.
    pub pipeline_task_name: String,
    /// The task's `when` expressions, substituted, which allowed it to run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub when_expressions: Vec<When>,
    /// The pipeline task's `displayName` (or its matrix include names), substituted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// One entry of `skippedTasks`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedTask {
    /// The pipeline task.
    pub name: String,
    /// Upstream's reason (`When Expressions evaluated to false`, `Parent Tasks were skipped`...).
    pub reason: String,
    /// The `when` expressions, substituted, when they decided.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub when_expressions: Vec<When>,
}

/// A pipeline result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PipelineResultValue {
    /// Name.
    pub name: String,
    /// Value: a string, or JSON for arrays and objects.
    pub value: serde_json::Value,
}
