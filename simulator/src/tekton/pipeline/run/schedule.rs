//! Scheduling the DAG: every task whose dependencies ended starts, or is
//! skipped (a skipped parent, missing results, an empty matrix array, a
//! false `when`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use super::launch;
use super::{Phase, PipelineController, Settings};
use crate::status::ResultValue;
use crate::tekton::pipeline::child::skip;
use crate::tekton::pipeline::status::{ChildReference, SkippedTask};
use crate::tekton::pipeline::vars::{guard, missing_results, task_vars, Guard};
use crate::tekton::pipeline::PipelinePlan;

impl PipelineController {
    /// Starts or skips every task that is ready; `Some(why)` when a `when`
    /// CEL expression failed, which fails the run.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn schedule(
        &self,
        plan: &PipelinePlan,
        settings: &Settings,
        phases: &mut [Phase],
        skipped: &mut Vec<SkippedTask>,
        children: &mut Vec<ChildReference>,
        results: &BTreeMap<String, Vec<ResultValue>>,
        running: &launch::Running,
        stop: &Arc<AtomicBool>,
        start: Instant,
    ) -> Option<String> {
        loop {
            let finished: BTreeSet<usize> = (0..phases.len())
                .filter(|i| {
                    matches!(
                        phases[*i],
                        Phase::Succeeded | Phase::Skipped | Phase::FailureIgnored
                    )
                })
                .collect();
            let started: BTreeSet<usize> = (0..phases.len())
                .filter(|i| phases[*i] != Phase::Pending)
                .collect();
            let ready = plan.dag.ready(&started, &finished);
            if ready.is_empty() {
                return None;
            }
            let mut changed = false;
            for i in ready {
                let task = &plan.spec.tasks[i];
                if plan.dag.deps[i].iter().any(|d| {
                    // A `when` guards only its own task (upstream's
                    // task-scoped when): its children still run.
                    phases[*d] == Phase::Skipped
                        && !skipped.iter().any(|s| {
                            s.name == plan.spec.tasks[*d].name
                                && s.reason == "When Expressions evaluated to false"
                        })
                }) {
                    // Upstream skips the children of a task skipped otherwise.
                    phases[i] = Phase::Skipped;
                    skipped.push(skip(task, "Parent Tasks were skipped", Vec::new()));
                    changed = true;
                    continue;
                }
                let vars = task_vars(plan, results);
                if let Some(reason) = missing_results(task, &vars) {
                    phases[i] = Phase::Skipped;
                    skipped.push(skip(task, reason, Vec::new()));
                    changed = true;
                    continue;
                }
                let empty = task
                    .matrix
                    .as_ref()
                    .is_some_and(|m| crate::tekton::pipeline::matrix::has_empty_array(m, &vars));
                if empty {
                    phases[i] = Phase::Skipped;
                    skipped.push(skip(
                        task,
                        crate::tekton::pipeline::matrix::EMPTY,
                        Vec::new(),
                    ));
                    changed = true;
                    continue;
                }
                match guard(&task.name, &task.when, &vars) {
                    Guard::CelFailed(why) => return Some(why),
                    Guard::Skip(whens) => {
                        phases[i] = Phase::Skipped;
                        skipped.push(skip(task, "When Expressions evaluated to false", whens));
                        changed = true;
                    }
                    Guard::Run => {
                        phases[i] = Phase::Running;
                        self.launch(
                            plan,
                            settings,
                            false,
                            i,
                            task,
                            &plan.tasks[i],
                            &vars,
                            running,
                            stop,
                            start,
                            children,
                        );
                    }
                }
            }
            if !changed {
                return None;
            }
        }
    }
}
