//! A Pipeline's DAG: edges from `runAfter` and from `$(tasks.<t>.results.*)`
//! references in params and `when` expressions.

use std::collections::BTreeSet;

use crate::tekton::model::{ParamValue, PipelineTask};

/// Tasks and what each waits for (indices into the task list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dag {
    /// Task names, in file order.
    pub names: Vec<String>,
    /// For each task, the tasks it waits for.
    pub deps: Vec<BTreeSet<usize>>,
}

/// The names of the tasks `$(tasks.<t>....)` references in `text` name
/// (`$(tasks.status)` is not a task).
pub fn referenced(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("$(tasks.") {
        let after = &rest[start + "$(tasks.".len()..];
        let end = after.find(['.', ')']).unwrap_or(after.len());
        let name = &after[..end];
        if name != "status" && !name.is_empty() {
            out.push(name.to_string());
        }
        rest = &after[end..];
    }
    out
}

fn texts(task: &PipelineTask) -> Vec<String> {
    let mut out = Vec::new();
    for param in &task.params {
        match &param.value {
            ParamValue::String(s) => out.push(s.clone()),
            ParamValue::Array(items) => out.extend(items.iter().cloned()),
            ParamValue::Object(map) => out.extend(map.values().cloned()),
        }
    }
    for when in &task.when {
        out.extend(when.input.iter().cloned());
        out.extend(when.values.iter().cloned());
        out.extend(when.cel.iter().cloned());
    }
    out
}

/// Builds the DAG of `tasks`. Fails naming the task at fault on a duplicate
/// name, a `runAfter` or result reference to a task that does not exist,
/// or a cycle.
pub fn build(tasks: &[PipelineTask]) -> Result<Dag, String> {
    let names: Vec<String> = tasks.iter().map(|t| t.name.clone()).collect();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(format!("pipeline task {name:?} is defined twice"));
        }
    }
    let index = |name: &str| names.iter().position(|n| n == name);
    let mut deps = Vec::with_capacity(tasks.len());
    for task in tasks {
        let mut set = BTreeSet::new();
        for after in &task.run_after {
            let i = index(after).ok_or_else(|| {
                format!("pipeline task {:?}: runAfter names {after:?}, which is not a task of the pipeline", task.name)
            })?;
            set.insert(i);
        }
        for text in texts(task) {
            for name in referenced(&text) {
                let i = index(&name).ok_or_else(|| {
                    format!("pipeline task {:?}: $(tasks.{name}...) names a task that is not in the pipeline's tasks", task.name)
                })?;
                set.insert(i);
            }
        }
        deps.push(set);
    }
    let dag = Dag { names, deps };
    if let Some(name) = dag.cycle() {
        return Err(format!("pipeline task {name:?} is part of a cycle"));
    }
    Ok(dag)
}

impl Dag {
    /// A task on a cycle, if any (Kahn's algorithm).
    fn cycle(&self) -> Option<&str> {
        let mut done = BTreeSet::new();
        loop {
            let next: Vec<usize> = (0..self.names.len())
                .filter(|i| !done.contains(i) && self.deps[*i].is_subset(&done))
                .collect();
            if next.is_empty() {
                break;
            }
            done.extend(next);
        }
        (0..self.names.len())
            .find(|i| !done.contains(i))
            .map(|i| self.names[i].as_str())
    }

    /// Tasks not in `started` whose dependencies are all in `finished`, in file order.
    pub fn ready(&self, started: &BTreeSet<usize>, finished: &BTreeSet<usize>) -> Vec<usize> {
        (0..self.names.len())
            .filter(|i| !started.contains(i) && self.deps[*i].is_subset(finished))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_skip_the_aggregate_status() {
        assert_eq!(
            referenced("$(tasks.a.results.x) $(tasks.status) $(tasks.b.status)"),
            ["a", "b"]
        );
    }
}
