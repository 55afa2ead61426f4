//! The checks of one task spec's steps: upstream's `TaskSpec.Validate`
//! (array params, context, results) and, where the params must all be
//! declared, `ValidateUsageOfDeclaredParameters`.

use std::collections::BTreeSet;

use super::declared::{unknown, Declared};
use crate::tekton::model::{Step, TaskSpec};
use crate::validate::Problem;

/// A step's string fields upstream looks into: path, text, and whether it
/// is an element of `command`/`args` (where a whole array may stand alone).
fn fields(step: &Step, at: &str) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    let mut one = |field: String, text: Option<&String>, list: bool| {
        if let Some(text) = text {
            out.push((format!("{at}.{field}"), text.clone(), list));
        }
    };
    one("name".into(), step.name.as_ref(), false);
    one("image".into(), step.image.as_ref(), false);
    one("workingDir".into(), step.working_dir.as_ref(), false);
    one("script".into(), step.script.as_ref(), false);
    for (i, c) in step.command.iter().enumerate() {
        one(format!("command[{i}]"), Some(c), true);
    }
    for (i, a) in step.args.iter().enumerate() {
        one(format!("args[{i}]"), Some(a), true);
    }
    for env in &step.env {
        one(format!("env[{}]", env.name), env.value.as_ref(), false);
    }
    for (i, m) in step.volume_mounts.iter().enumerate() {
        one(format!("volumeMount[{i}].name"), Some(&m.name), false);
        one(
            format!("volumeMount[{i}].mountPath"),
            Some(&m.mount_path),
            false,
        );
        one(
            format!("volumeMount[{i}].subPath"),
            m.sub_path.as_ref(),
            false,
        );
    }
    out
}

/// The steps of `spec` at `at`. `declared`: the params they may use when
/// every one must be declared (the spec's own are added to it); `None`
/// where upstream lets params propagate unchecked.
pub(super) fn task_spec(
    spec: &TaskSpec,
    at: &str,
    declared: Option<&Declared>,
    problems: &mut Vec<Problem>,
) {
    let own = Declared::of_specs(&spec.params);
    let usage = declared.map(|d| {
        let mut all = d.clone();
        all.add_specs(&spec.params);
        all
    });
    let results: BTreeSet<&str> = spec.results.iter().map(|r| r.name.as_str()).collect();
    let task_run: BTreeSet<&str> = ["name", "namespace", "uid"].into();
    let task: BTreeSet<&str> = ["name", "retry-count"].into();
    for (i, step) in spec.steps.iter().enumerate() {
        let here = format!("{at}.steps[{i}]");
        let mut texts = fields(step, &here);
        if let Some(on_error) = &step.on_error {
            texts.push((format!("{here}.onError"), on_error.clone(), false));
        }
        for (path, text, in_list) in &texts {
            let mut found: Vec<String> = [
                own.array_use(text, *in_list),
                unknown(text, "context.taskRun", &task_run),
                unknown(text, "context.task", &task),
            ]
            .into_iter()
            .flatten()
            .collect();
            if let Some(usage) = &usage {
                found.extend(usage.check(text, *in_list));
            }
            if path.ends_with(".script") {
                found.extend(unknown(text, "results", &results));
            }
            problems.extend(found.into_iter().map(|message| Problem {
                path: path.clone(),
                message,
            }));
        }
    }
}
