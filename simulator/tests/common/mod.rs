//! Helpers shared by the simulator's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use simulator::input::{self, Input};
use simulator::plan::{self, RunPlan};
use simulator::render::RenderOptions;
use simulator::runtime::controller::{Controller, RunOptions, RunReport, Silent};
use simulator::scenario::Scenario;

/// The repository's `examples/` directory.
pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// The entrypoint binary built from this workspace; panics with the command
/// that builds it when it is missing.
pub fn entrypoint() -> PathBuf {
    match simulator::locate::entrypoint(None) {
        Ok(path) => path,
        Err(e) => panic!("{e} (cargo test --workspace builds it)"),
    }
}

/// `podsim` from this workspace, with the entrypoint it runs checked first
/// and a 60 s bound that turns a hang into a failure.
pub fn podsim() -> assert_cmd::Command {
    entrypoint();
    let mut cmd = assert_cmd::Command::cargo_bin("podsim").expect("podsim binary");
    cmd.timeout(std::time::Duration::from_secs(60));
    cmd
}

/// `podsim run -q -o json` with what `args` adds (files, flags), asserting
/// exit status `code`: the status it prints on stdout, parsed as it is (see
/// [`redact`] and [`pipeline_status`] for snapshots).
pub fn run_json(
    code: i32,
    args: impl FnOnce(&mut assert_cmd::Command) -> &mut assert_cmd::Command,
) -> serde_json::Value {
    let mut cmd = podsim();
    cmd.args(["run", "-q", "-o", "json"]);
    let out = args(&mut cmd)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap_or_else(|e| {
        panic!(
            "podsim's stdout is no JSON status ({e}): {}",
            String::from_utf8_lossy(&out)
        )
    })
}

/// A PipelineRun's status for a snapshot: its `pipelineSpec` dropped and
/// its own times (start, completion, the condition's transition) redacted.
pub fn pipeline_status(mut value: serde_json::Value) -> serde_json::Value {
    if let Some(map) = value.as_object_mut() {
        map.remove("pipelineSpec");
        for key in ["startTime", "completionTime"] {
            map.insert(key.into(), "[time]".into());
        }
    }
    if let Some(c) = value["conditions"][0].as_object_mut() {
        c.insert("lastTransitionTime".into(), "[time]".into());
    }
    value
}

/// Reads a scenario or Pod manifest file into a run plan.
pub fn plan_file(path: &Path) -> RunPlan {
    match input::load(path).unwrap_or_else(|e| panic!("{e}")) {
        Input::Scenario(s) => {
            simulator::validate::validate(&s).unwrap_or_else(|e| panic!("{e}"));
            plan::from_scenario(&s, &RenderOptions::default())
        }
        Input::Pod(p) => plan::from_pod(*p),
        Input::Tekton(d) => {
            simulator::tekton::cli::prepare_run(
                *d,
                &Default::default(),
                &RenderOptions::default(),
                false,
            )
            .unwrap_or_else(|e| panic!("{}", e.join("\n")))
            .plan
        }
    }
}

/// Parses a scenario from YAML text.
pub fn scenario(text: &str) -> Scenario {
    match input::parse("test.yaml", text).unwrap_or_else(|e| panic!("{e}")) {
        Input::Scenario(s) => *s,
        Input::Pod(_) | Input::Tekton(_) => panic!("expected a scenario"),
    }
}

/// Runs `plan` with the workspace's entrypoint, Pod directories under `base`.
pub fn run_in(plan: &RunPlan, base: &Path, keep: bool, logs: bool) -> RunReport {
    let mut options = RunOptions::new(entrypoint());
    options.base_dir = base.to_path_buf();
    options.keep = keep;
    options.collect_logs = logs;
    let mut controller = Controller::new(options);
    controller
        .run(plan, &mut Silent)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The status as JSON with every timestamp replaced by `[time]`.
pub fn normalized(report: &RunReport) -> serde_json::Value {
    let mut value = serde_json::to_value(&report.status).unwrap_or_else(|e| panic!("{e}"));
    redact(&mut value);
    value
}

/// Replaces every timestamp field in `value` by `[time]`.
pub fn redact(value: &mut serde_json::Value) {
    const TIMES: [&str; 5] = [
        "startTime",
        "completionTime",
        "lastTransitionTime",
        "startedAt",
        "finishedAt",
    ];
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if TIMES.contains(&key.as_str()) {
                    *v = serde_json::Value::String("[time]".to_string());
                } else {
                    redact(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// A temporary directory for Pod directories, where the simulator would put them.
pub fn base_dir() -> tempfile::TempDir {
    tempfile::tempdir_in(simulator::runtime::podfs::default_base())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write file");
    path
}

/// `examples/tekton/<name>`.
pub fn tekton_example(name: &str) -> PathBuf {
    examples_dir().join("tekton").join(name)
}

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Builds (or finds up to date) compat/render, upstream's own code as an
/// oracle (scripts/render-oracle); `None`, with the reason printed for
/// `test`, when Go is missing, unless `CONFORMANCE_REQUIRE` has `upstream`.
pub fn oracle(test: &str) -> Option<PathBuf> {
    let required = std::env::var("CONFORMANCE_REQUIRE").is_ok_and(|r| r.contains("upstream"));
    let has_go = std::process::Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_go {
        assert!(
            !required,
            "CONFORMANCE_REQUIRE contains upstream but the Go toolchain is missing"
        );
        eprintln!("{test}: skipped: the Go toolchain (go) is not installed");
        return None;
    }
    let out = std::process::Command::new(workspace_root().join("scripts/render-oracle"))
        .arg("--print-path")
        .output()
        .expect("run scripts/render-oracle");
    assert!(
        out.status.success(),
        "scripts/render-oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = String::from_utf8(out.stdout).expect("utf-8 path");
    Some(PathBuf::from(path.trim()))
}
