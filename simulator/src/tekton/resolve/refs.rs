//! The run object among the documents (the one TaskRun or PipelineRun, or
//! one synthesised for a lone Task or Pipeline) and the definitions its
//! `taskRef`/`pipelineRef` name.

use super::{Document, Documents, ResolveError};
use crate::tekton::model::{
    Param, ParamValue, Pipeline, PipelineRun, Ref, Task, TaskRun, TaskRunSpec, TaskSpec,
};

impl Documents {
    /// Whether a TaskRun or PipelineRun is among the documents (else the run
    /// object, if any, is synthesised for a lone Task or Pipeline).
    pub fn has_run(&self) -> bool {
        self.0
            .iter()
            .any(|(_, d)| matches!(d, Document::TaskRun(_) | Document::PipelineRun(_)))
    }

    /// The TaskRun to run: the one TaskRun, else one named `<task>-run` for
    /// the one Task. Call it on the files given only: `-f` directories lend
    /// definitions, never the run object.
    pub fn task_run(&self) -> Result<TaskRun, ResolveError> {
        let runs: Vec<&TaskRun> = self
            .0
            .iter()
            .filter_map(|(_, d)| match d {
                Document::TaskRun(r) => Some(&**r),
                _ => None,
            })
            .collect();
        match runs.as_slice() {
            [one] => Ok((*one).clone()),
            [] => {
                let tasks: Vec<&Task> = self.tasks().collect();
                match tasks.as_slice() {
                    [task] => Ok(synthesise(task)),
                    [] => Err(ResolveError::Nothing),
                    many => Err(ResolveError::Ambiguous {
                        found: format!("{} Tasks and no TaskRun", many.len()),
                        give: TASK_RUN,
                    }),
                }
            }
            many => Err(ResolveError::Ambiguous {
                found: format!("{} TaskRuns", many.len()),
                give: TASK_RUN,
            }),
        }
    }

    /// `run` with `params` set (overriding its own), its Task spec and the
    /// Task's name, resolved among these documents.
    pub fn run_object(
        &self,
        mut run: TaskRun,
        params: &[(String, ParamValue)],
    ) -> Result<(TaskRun, TaskSpec, String), ResolveError> {
        for (name, value) in params {
            run.spec.params.retain(|p| &p.name != name);
            run.spec.params.push(Param {
                name: name.clone(),
                value: value.clone(),
            });
        }
        let (spec, task_name) = self.task_of(&run)?;
        Ok((run, spec, task_name))
    }

    fn tasks(&self) -> impl Iterator<Item = &Task> {
        self.0.iter().filter_map(|(_, d)| match d {
            Document::Task(t) => Some(&**t),
            _ => None,
        })
    }

    /// The Task spec of `run` (inline, or by `taskRef.name`) and its name.
    pub fn task_of(&self, run: &TaskRun) -> Result<(TaskSpec, String), ResolveError> {
        let name = run.metadata.name_or("taskrun");
        match (&run.spec.task_spec, &run.spec.task_ref) {
            (Some(spec), None) => Ok((spec.clone(), name)),
            (None, Some(task_ref)) => self
                .task(task_ref)
                .map(|t| (t.spec.clone(), t.metadata.name_or("task"))),
            (Some(_), Some(_)) => Err(ResolveError::Unsupported(
                "the TaskRun gives both taskRef and taskSpec: give one".into(),
            )),
            (None, None) => Err(ResolveError::Unsupported(
                "the TaskRun gives neither taskRef nor taskSpec".into(),
            )),
        }
    }

    /// The Task `task_ref` names.
    pub fn task(&self, task_ref: &Ref) -> Result<&Task, ResolveError> {
        if let Some(kind) = task_ref.kind.as_deref().filter(|k| *k != "Task") {
            return Err(ResolveError::Unsupported(format!(
                "taskRef kind {kind:?} is not supported: podsim resolves namespaced Tasks from files"
            )));
        }
        let Some(name) = &task_ref.name else {
            return Err(ResolveError::Unsupported("taskRef without a name".into()));
        };
        let found = self.0.iter().filter_map(|(f, d)| match d {
            Document::Task(t) if t.metadata.name.as_ref() == Some(name) => Some((f, &**t)),
            _ => None,
        });
        only("taskRef", name, found.collect()).map_err(|e| self.unreadable(e, "Task"))
    }
}

/// What to give when the TaskRun to run is ambiguous.
const TASK_RUN: &str = "TaskRun, or one Task to run with --param/--workspace";

/// `1 TaskRun`, `2 TaskRuns`.
fn counted(n: usize, kind: &str) -> String {
    if n == 1 {
        format!("1 {kind}")
    } else {
        format!("{n} {kind}s")
    }
}

fn synthesise(task: &Task) -> TaskRun {
    let task_name = task.metadata.name_or("task");
    TaskRun {
        api_version: "tekton.dev/v1".into(),
        kind: "TaskRun".into(),
        metadata: crate::tekton::model::Meta {
            name: Some(format!("{task_name}-run")),
            namespace: task.metadata.namespace.clone(),
            ..Default::default()
        },
        spec: TaskRunSpec {
            task_ref: Some(Ref {
                name: Some(task_name),
                ..Ref::default()
            }),
            ..TaskRunSpec::default()
        },
        status: None,
    }
}

impl Documents {
    /// The PipelineRun to run, if the files hold one, or one synthesised
    /// (`<pipeline>-run`) for a lone Pipeline when there is no TaskRun.
    /// `None`: the run object is a TaskRun or Task.
    pub fn pipeline_run(&self) -> Result<Option<PipelineRun>, ResolveError> {
        let runs: Vec<&PipelineRun> = self
            .0
            .iter()
            .filter_map(|(_, d)| match d {
                Document::PipelineRun(r) => Some(&**r),
                _ => None,
            })
            .collect();
        let has_task_run = self
            .0
            .iter()
            .any(|(_, d)| matches!(d, Document::TaskRun(_)));
        match runs.as_slice() {
            [one] if !has_task_run => Ok(Some((*one).clone())),
            [] if !has_task_run => {
                let pipelines: Vec<&Pipeline> = self.pipelines().collect();
                match pipelines.as_slice() {
                    [] => Ok(None),
                    [one] => {
                        let name = one.metadata.name_or("pipeline");
                        Ok(Some(PipelineRun {
                            api_version: "tekton.dev/v1".into(),
                            kind: "PipelineRun".into(),
                            metadata: crate::tekton::model::Meta {
                                name: Some(format!("{name}-run")),
                                namespace: one.metadata.namespace.clone(),
                                ..Default::default()
                            },
                            spec: crate::tekton::model::PipelineRunSpec {
                                pipeline_ref: Some(Ref {
                                    name: Some(name),
                                    ..Ref::default()
                                }),
                                ..Default::default()
                            },
                            status: None,
                        }))
                    }
                    many => Err(ResolveError::Ambiguous {
                        found: format!("{} Pipelines and no PipelineRun", many.len()),
                        give: "PipelineRun, or one Pipeline to run with --param/--workspace",
                    }),
                }
            }
            [] => Ok(None),
            _ => {
                let task_runs = self
                    .0
                    .iter()
                    .filter(|(_, d)| matches!(d, Document::TaskRun(_)))
                    .count();
                let mut found = counted(runs.len(), "PipelineRun");
                if task_runs > 0 {
                    found = format!("{found} and {}", counted(task_runs, "TaskRun"));
                }
                Err(ResolveError::Ambiguous {
                    found,
                    give: "PipelineRun or TaskRun",
                })
            }
        }
    }

    fn pipelines(&self) -> impl Iterator<Item = &Pipeline> {
        self.0.iter().filter_map(|(_, d)| match d {
            Document::Pipeline(p) => Some(&**p),
            _ => None,
        })
    }

    /// The Pipeline `pipeline_ref` names.
    pub fn pipeline(&self, pipeline_ref: &Ref) -> Result<&Pipeline, ResolveError> {
        let Some(name) = &pipeline_ref.name else {
            return Err(ResolveError::Unsupported(
                "pipelineRef without a name".into(),
            ));
        };
        if pipeline_ref.resolver.is_some() || pipeline_ref.bundle.is_some() {
            return Err(ResolveError::Unsupported(
                "pipelineRef: remote resolution is not supported; give the Pipeline in a file or -f DIR".into(),
            ));
        }
        let found = self.0.iter().filter_map(|(f, d)| match d {
            Document::Pipeline(p) if p.metadata.name.as_ref() == Some(name) => Some((f, &**p)),
            _ => None,
        });
        only("pipelineRef", name, found.collect()).map_err(|e| self.unreadable(e, "Pipeline"))
    }
}

impl Documents {
    /// A missing definition explained, when a `-f` directory holds a `kind`
    /// of that name that cannot be read.
    fn unreadable(&self, error: ResolveError, kind: &str) -> ResolveError {
        let ResolveError::Missing { what, name } = error else {
            return error;
        };
        let broken = self.1.iter().find(|s| {
            s.kind == kind && s.name.as_deref() == Some(name.as_str()) && s.unreadable.is_some()
        });
        match broken.and_then(|s| s.unreadable.clone()) {
            Some(why) => ResolveError::Unreadable { what, name, why },
            None => ResolveError::Missing { what, name },
        }
    }
}

/// The one definition `what` (`taskRef`, `pipelineRef`) named `name` among
/// `found` (with the files they came from); none or several is the error
/// naming it.
fn only<'a, T>(
    what: &'static str,
    name: &str,
    found: Vec<(&String, &'a T)>,
) -> Result<&'a T, ResolveError> {
    match found.as_slice() {
        [(_, one)] => Ok(one),
        [] => Err(ResolveError::Missing {
            what,
            name: name.to_string(),
        }),
        many => Err(ResolveError::Duplicate {
            what,
            name: name.to_string(),
            files: many
                .iter()
                .map(|(f, _)| f.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}
