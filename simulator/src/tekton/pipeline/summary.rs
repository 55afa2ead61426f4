//! The end of a PipelineRun: its condition (upstream's reasons and
//! message) and its results.

use std::collections::BTreeMap;

use std::time::SystemTime;

use super::run::Phase;
use super::status::{ChildReference, PipelineResultValue, PipelineRunStatus, SkippedTask};
use super::substitute_value;
use super::vars::finally_vars;
use super::PipelinePlan;
use crate::status::{timestamp, Condition, ResultValue};
use crate::tekton::model::ParamValue;

/// How the run ended, as the controller saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Every task ended by itself.
    Finished,
    /// The run's own timeout (`timeouts.pipeline`) fired.
    TimedOut,
    /// `timeouts.tasks` or `timeouts.finally` fired: the run fails with the
    /// task counts (the tasks it cancelled count as failed).
    TasksTimedOut,
    /// The run was cancelled.
    Cancelled,
    /// `CancelledRunFinally` or `StoppedRunFinally`: finally ran.
    Graceful,
}

/// What the scheduling loop knows once a PipelineRun is over.
pub(super) struct Ended<'a> {
    /// How it ended.
    pub ending: Ending,
    /// Why it failed at once (a CEL `when` that could not be evaluated).
    pub aborted: Option<String>,
    /// The DAG tasks' phases.
    pub phases: &'a [Phase],
    /// The finally tasks' phases.
    pub finally_phases: &'a [Phase],
    /// The results of the tasks that ran, by task.
    pub results: &'a BTreeMap<String, Vec<ResultValue>>,
    /// When the run started.
    pub started_at: SystemTime,
}

impl Ended<'_> {
    /// The run's status, with its `children` and `skipped` tasks.
    pub(super) fn status(
        &self,
        plan: &PipelinePlan,
        children: Vec<ChildReference>,
        skipped: Vec<SkippedTask>,
    ) -> PipelineRunStatus {
        let (condition, results) = summarise(
            plan,
            self.ending,
            self.phases,
            self.finally_phases,
            skipped.len(),
            self.results,
        );
        let (status, reason, message) = match &self.aborted {
            Some(why) => (
                "False",
                "CELEvaluationFailed",
                format!("Error evaluating CEL {}: {why}", plan.name),
            ),
            None => condition,
        };
        let mut run = ended(plan, self.started_at, (status, reason, message));
        run.child_references = in_pipeline_order(plan, children);
        run.skipped_tasks = skipped;
        run.results = results;
        run
    }
}

/// `children` in the order of their pipeline tasks in the Pipeline (DAG
/// tasks, then finally), as upstream lists them; a matrixed task's in
/// index order. They arrive in the order they started.
fn in_pipeline_order(
    plan: &PipelinePlan,
    mut children: Vec<ChildReference>,
) -> Vec<ChildReference> {
    let tasks = plan.spec.tasks.iter().chain(&plan.spec.finally);
    let order: Vec<&str> = tasks.map(|t| t.name.as_str()).collect();
    children.sort_by_key(|c| order.iter().position(|n| *n == c.pipeline_task_name));
    children
}

/// The status of a PipelineRun that failed upstream's parameter checks
/// before anything ran ([`super::validate`]), with their `reason`.
pub(super) fn invalid(plan: &PipelinePlan, reason: &str, message: String) -> PipelineRunStatus {
    let condition = ("False", reason, message);
    ended(plan, SystemTime::now(), condition)
}

/// An ended PipelineRun's status with `condition` and no children.
fn ended(
    plan: &PipelinePlan,
    started_at: SystemTime,
    (status, reason, message): (&str, &str, String),
) -> PipelineRunStatus {
    let now = SystemTime::now();
    PipelineRunStatus {
        conditions: vec![Condition {
            kind: "Succeeded".into(),
            status: status.into(),
            reason: reason.into(),
            message,
            last_transition_time: Some(timestamp(now)),
        }],
        start_time: timestamp(started_at),
        completion_time: timestamp(now),
        child_references: Vec::new(),
        skipped_tasks: Vec::new(),
        results: Vec::new(),
        pipeline_spec: plan.spec.clone(),
    }
}

/// The condition's (status, reason, message) and the pipeline results, from
/// the phases of the DAG and finally tasks, the number of skipped tasks and
/// the results of the tasks that ran. Results that refer to a task that
/// produced nothing are left out.
fn summarise(
    plan: &PipelinePlan,
    ending: Ending,
    phases: &[Phase],
    finally_phases: &[Phase],
    skipped: usize,
    results: &BTreeMap<String, Vec<ResultValue>>,
) -> (
    (&'static str, &'static str, String),
    Vec<PipelineResultValue>,
) {
    let all: Vec<&Phase> = phases.iter().chain(finally_phases.iter()).collect();
    let ignored = all.iter().filter(|p| ***p == Phase::FailureIgnored).count();
    let failed = all.iter().filter(|p| ***p == Phase::Failed).count();
    let cancelled = all.iter().filter(|p| ***p == Phase::Cancelled).count();
    let completed = all
        .iter()
        .filter(|p| {
            matches!(
                ***p,
                Phase::Succeeded | Phase::Failed | Phase::FailureIgnored | Phase::Cancelled
            )
        })
        .count();
    let all_failed = failed + ignored;
    let counts = if ignored > 0 {
        format!("Tasks Completed: {completed} (Failed: {all_failed} (Ignored: {ignored}), Cancelled {cancelled}), Skipped: {skipped}")
    } else {
        format!(
            "Tasks Completed: {completed} (Failed: {all_failed}, Cancelled {cancelled}), Skipped: {skipped}"
        )
    };
    let condition = match ending {
        Ending::Cancelled => (
            "False",
            "Cancelled",
            format!("PipelineRun {:?} was cancelled", plan.name),
        ),
        Ending::TimedOut => (
            "False",
            "PipelineRunTimeout",
            format!(
                "PipelineRun {:?} failed to finish within {:?}",
                plan.name,
                crate::duration::format_go_duration(plan.timeout.unwrap_or_default())
            ),
        ),
        Ending::TasksTimedOut => ("False", "Failed", counts),
        Ending::Graceful if failed > 0 => ("False", "Failed", counts),
        Ending::Graceful => (
            "False",
            "Cancelled",
            format!("PipelineRun {:?} was cancelled", plan.name),
        ),
        Ending::Finished if failed + cancelled > 0 => ("False", "Failed", counts),
        Ending::Finished if skipped > 0 => ("True", "Completed", counts),
        Ending::Finished => ("True", "Succeeded", counts),
    };
    let vars = finally_vars(plan, phases, results);
    let pipeline_results = plan
        .spec
        .results
        .iter()
        .filter_map(|r| {
            let value = substitute_value(&r.value, &vars);
            let unresolved = match &value {
                ParamValue::String(s) => s.contains("$(tasks."),
                ParamValue::Array(a) => a.iter().any(|s| s.contains("$(tasks.")),
                ParamValue::Object(o) => o.values().any(|s| s.contains("$(tasks.")),
            };
            (!unresolved).then(|| PipelineResultValue {
                name: r.name.clone(),
                value: serde_json::to_value(value).unwrap_or_default(),
            })
        })
        .collect();
    (condition, pipeline_results)
}
