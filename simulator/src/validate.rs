//! Semantic checks of a scenario, done before anything runs.

use std::collections::HashSet;

use crate::duration::parse_go_duration;
use crate::scenario::{Mount, ResultSpec, Scenario};

/// One thing wrong with a scenario, at a field path such as `steps[2].onError`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct Problem {
    /// Field path.
    pub path: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// All problems of a scenario, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct Problems(pub Vec<Problem>);

/// Checks everything the parser cannot: at least one step, unique names that
/// are valid DNS labels, `onError` values, Go durations, a command or a
/// script per container, probes with exactly one of `exec`/`file`, mounts of
/// declared volumes at absolute paths, result names and types, and `when`
/// operators. Returns every problem found, not just the first.
pub fn validate(scenario: &Scenario) -> Result<(), Problems> {
    let mut v = Checker::default();
    v.dns_label("name", &scenario.name, 0);
    if scenario.steps.is_empty() {
        v.problem("steps", "at least one step is needed");
    }
    v.duration("timeout", scenario.timeout.as_deref());
    let mut volumes = HashSet::new();
    for (i, volume) in scenario.volumes.iter().enumerate() {
        let path = format!("volumes[{i}].name");
        v.dns_label(&path, &volume.name, 0);
        if !volumes.insert(volume.name.as_str()) {
            v.problem(&path, format!("duplicate volume name {:?}", volume.name));
        }
    }
    v.results("results", &scenario.results);

    let mut step_names = HashSet::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        let at = format!("steps[{i}]");
        if let Some(name) = &step.name {
            v.dns_label(&format!("{at}.name"), name, "step-".len());
            if !step_names.insert(name.as_str()) {
                v.problem(
                    &format!("{at}.name"),
                    format!("duplicate step name {name:?}"),
                );
            }
        }
        v.runnable(&at, &step.command, step.script.as_deref());
        if let Some(on_error) = &step.on_error {
            if on_error != "continue" && on_error != "stopAndFail" {
                v.problem(
                    &format!("{at}.onError"),
                    format!("{on_error:?} is not valid: use \"continue\" or \"stopAndFail\""),
                );
            }
        }
        v.duration(&format!("{at}.timeout"), step.timeout.as_deref());
        v.results(&format!("{at}.results"), &step.results);
        for (j, when) in step.when.iter().enumerate() {
            let wat = format!("{at}.when[{j}]");
            match (&when.cel, &when.operator) {
                (Some(_), None) if when.input.is_none() && when.values.is_empty() => {}
                (None, Some(op)) if op == "in" || op == "notin" => {
                    if when.input.is_none() {
                        v.problem(&format!("{wat}.input"), "missing input");
                    }
                }
                (None, Some(op)) => v.problem(
                    &format!("{wat}.operator"),
                    format!("{op:?} is not valid: use \"in\" or \"notin\""),
                ),
                _ => v.problem(&wat, "give either cel, or input, operator and values"),
            }
        }
        v.mounts(&at, &step.volume_mounts, &volumes);
        for (field, config) in [
            ("stdoutConfig", &step.stdout_config),
            ("stderrConfig", &step.stderr_config),
        ] {
            if let Some(config) = config {
                v.absolute(&format!("{at}.{field}.path"), &config.path);
            }
        }
    }

    let mut sidecar_names = HashSet::new();
    for (i, sidecar) in scenario.sidecars.iter().enumerate() {
        let at = format!("sidecars[{i}]");
        v.dns_label(&format!("{at}.name"), &sidecar.name, "sidecar-".len());
        if !sidecar_names.insert(sidecar.name.as_str()) {
            v.problem(
                &format!("{at}.name"),
                format!("duplicate sidecar name {:?}", sidecar.name),
            );
        }
        v.runnable(&at, &sidecar.command, sidecar.script.as_deref());
        v.mounts(&at, &sidecar.volume_mounts, &volumes);
        if let Some(probe) = &sidecar.readiness_probe {
            let pat = format!("{at}.readinessProbe");
            if probe.exec.is_empty() == probe.file.is_none() {
                v.problem(
                    &pat,
                    "give exactly one of exec (a command) and file (a path)",
                );
            }
            if let Some(file) = &probe.file {
                v.absolute(&format!("{pat}.file"), file);
            }
            v.duration(&format!("{pat}.period"), probe.period.as_deref());
        }
    }
    if v.0.is_empty() {
        Ok(())
    } else {
        Err(Problems(v.0))
    }
}

#[derive(Default)]
struct Checker(Vec<Problem>);

impl Checker {
    fn problem(&mut self, path: &str, message: impl Into<String>) {
        self.0.push(Problem {
            path: path.to_string(),
            message: message.into(),
        });
    }

    fn dns_label(&mut self, path: &str, name: &str, prefix_len: usize) {
        let valid_chars = name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if name.is_empty() {
            self.problem(path, "must not be empty");
        } else if !valid_chars || name.starts_with('-') || name.ends_with('-') {
            self.problem(
                path,
                format!("{name:?} is not a DNS label: use lowercase letters, digits and '-'"),
            );
        } else if name.len() + prefix_len > 63 {
            self.problem(path, format!("{name:?} is too long for a container name"));
        }
    }

    fn duration(&mut self, path: &str, text: Option<&str>) {
        if let Some(text) = text {
            if let Err(e) = parse_go_duration(text) {
                self.problem(path, e.to_string());
            }
        }
    }

    fn runnable(&mut self, at: &str, command: &[String], script: Option<&str>) {
        match (command.is_empty(), script) {
            (true, None) => self.problem(
                at,
                "give a command or a script (podsim cannot look up an image's entrypoint)",
            ),
            (false, Some(_)) => self.problem(at, "give either command or script, not both"),
            _ => {}
        }
    }

    fn absolute(&mut self, path: &str, value: &str) {
        if !value.starts_with('/') {
            self.problem(path, format!("{value:?} must be an absolute path"));
        }
    }

    fn mounts(&mut self, at: &str, mounts: &[Mount], volumes: &HashSet<&str>) {
        for (j, mount) in mounts.iter().enumerate() {
            let mat = format!("{at}.volumeMounts[{j}]");
            if !volumes.contains(mount.name.as_str()) {
                self.problem(
                    &format!("{mat}.name"),
                    format!("no volume named {:?}", mount.name),
                );
            }
            self.absolute(&format!("{mat}.mountPath"), &mount.mount_path);
            if let Some(sub) = mount.sub_path.as_deref() {
                if sub.starts_with('/') || sub.split('/').any(|part| part == "..") {
                    self.problem(
                        &format!("{mat}.subPath"),
                        format!("{sub:?} must be a relative path without '..'"),
                    );
                }
            }
            if mount.mount_path == "/tekton" || mount.mount_path.starts_with("/tekton/") {
                self.problem(
                    &format!("{mat}.mountPath"),
                    "/tekton is reserved for Tekton's own volumes",
                );
            }
        }
    }

    fn results(&mut self, at: &str, results: &[ResultSpec]) {
        let mut seen = HashSet::new();
        for (j, result) in results.iter().enumerate() {
            let rat = format!("{at}[{j}]");
            if result.name.is_empty()
                || !result
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
            {
                self.problem(
                    &format!("{rat}.name"),
                    format!("{:?} is not a valid result name", result.name),
                );
            }
            if !seen.insert(result.name.as_str()) {
                self.problem(
                    &format!("{rat}.name"),
                    format!("duplicate result name {:?}", result.name),
                );
            }
            if let Some(kind) = &result.kind {
                if !matches!(kind.as_str(), "string" | "array" | "object") {
                    self.problem(
                        &format!("{rat}.type"),
                        format!("{kind:?} is not valid: use string, array or object"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Step;

    fn step(name: &str) -> Step {
        Step {
            name: Some(name.to_string()),
            command: vec!["true".to_string()],
            ..Step::default()
        }
    }

    fn scenario(steps: Vec<Step>) -> Scenario {
        Scenario {
            name: "t".into(),
            description: None,
            steps,
            sidecars: vec![],
            results: vec![],
            timeout: None,
            retries: 0,
            volumes: vec![],
        }
    }

    #[test]
    fn accepts_minimal() {
        assert_eq!(validate(&scenario(vec![step("a")])), Ok(()));
    }

    #[test]
    fn reports_every_problem_with_its_path() {
        let mut bad = step("a");
        bad.on_error = Some("ignore".into());
        bad.timeout = Some("5".into());
        let s = scenario(vec![step("a"), bad]);
        let problems = validate(&s).unwrap_err().0;
        let paths: Vec<_> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            ["steps[1].name", "steps[1].onError", "steps[1].timeout"]
        );
    }

    #[test]
    fn rejects_empty_steps() {
        assert_eq!(validate(&scenario(vec![])).unwrap_err().0[0].path, "steps");
    }
}
