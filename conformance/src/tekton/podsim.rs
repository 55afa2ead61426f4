//! One case through the real `podsim run FILE -o json`: the run's status on
//! stdout and, for a PipelineRun, the child TaskRuns' statuses through
//! `--child-statuses FILE`.

use std::path::Path;
use std::process::Command;

use serde_json::{Map, Value};

use super::corpus::Case;

/// What podsim reported for a case: the run's status and its children's.
#[derive(Debug, Clone)]
pub struct Reported {
    /// The run's `.status`.
    pub status: Value,
    /// The child TaskRuns' statuses by name (PipelineRuns only).
    pub task_runs: Option<Map<String, Value>>,
}

/// Runs `case` with the `podsim` binary. podsim's exit status 0 (succeeded)
/// and 1 (the run failed) both give a status; anything else is an error
/// with podsim's last stderr line.
pub fn run(podsim: &Path, case: &Case) -> Result<Reported, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("cannot make a temporary directory: {e}"))?;
    let children = dir.path().join("children.json");
    let mut cmd = Command::new(podsim);
    cmd.arg("run").arg(&case.file).args(["-o", "json", "-q"]);
    // The cluster's feature-flags turn CEL `when` on (scripts/tekton-cluster).
    cmd.args(["--feature-flag", "enable-cel-in-whenexpression=true"]);
    if let Some(library) = &case.library {
        cmd.arg("-f").arg(library);
    }
    let pipeline = case.kind == "PipelineRun";
    if let Some(cancel) = &case.cancel {
        cmd.args(["--cancel-after", &cancel.after_text]);
        if pipeline {
            cmd.args(["--cancel-mode", &cancel.status]);
        }
    }
    if pipeline {
        cmd.arg("--child-statuses").arg(&children);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", podsim.display()))?;
    let code = out.status.code();
    if !matches!(code, Some(0 | 1)) {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().last().unwrap_or("no output");
        return Err(format!("podsim run exited {code:?}: {last}"));
    }
    let status: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("podsim run printed no JSON status: {e}"))?;
    let task_runs = if pipeline {
        let text = std::fs::read_to_string(&children)
            .map_err(|e| format!("podsim wrote no --child-statuses file: {e}"))?;
        match serde_json::from_str(&text) {
            Ok(Value::Object(map)) => Some(map),
            Ok(_) => return Err("--child-statuses: not a JSON object".into()),
            Err(e) => return Err(format!("--child-statuses: {e}")),
        }
    } else {
        None
    };
    Ok(Reported { status, task_runs })
}
