//! Snapshots of the Pods rendered for the example scenarios.

mod common;

use simulator::input::{self, Input};
use simulator::render::{render, RenderOptions};

fn rendered(name: &str) -> k8s_openapi::api::core::v1::Pod {
    let path = common::examples_dir().join(format!("{name}.yaml"));
    match input::load(&path).unwrap_or_else(|e| panic!("{e}")) {
        Input::Scenario(s) => {
            simulator::validate::validate(&s).unwrap_or_else(|e| panic!("{e}"));
            render(&s, &RenderOptions::default())
        }
        Input::Pod(_) | Input::Tekton(_) => panic!("{name} is not a scenario"),
    }
}

#[test]
fn ordered_steps() {
    insta::assert_yaml_snapshot!(rendered("ordered-steps"));
}

#[test]
fn sidecar_readiness() {
    insta::assert_yaml_snapshot!(rendered("sidecar-readiness"));
}

#[test]
fn failure_skip() {
    insta::assert_yaml_snapshot!(rendered("failure-skip"));
}

#[test]
fn on_error_continue() {
    insta::assert_yaml_snapshot!(rendered("on-error-continue"));
}

#[test]
fn timeout() {
    insta::assert_yaml_snapshot!(rendered("timeout"));
}

#[test]
fn results() {
    insta::assert_yaml_snapshot!(rendered("results"));
}

#[test]
fn step_args_follow_upstream_order() {
    let s = common::scenario(
        r#"
name: order
results: [{name: r}]
sidecars: [{name: side, command: [sleep, "1"]}]
steps:
  - name: a
    command: [echo]
    args: [hi]
    onError: continue
    timeout: 1s
    stdoutConfig: {path: /workspace/out}
    stderrConfig: {path: /workspace/err}
    results: [{name: x}]
    when: [{input: a, operator: in, values: [a]}]
  - name: b
    command: [true]
"#,
    );
    let pod = render(&s, &RenderOptions::default());
    let spec = pod.spec.expect("spec");
    let args = |i: usize| spec.containers[i].args.clone().unwrap_or_default();
    assert_eq!(
        args(0),
        [
            "-wait_file",
            "/tekton/downward/ready",
            "-wait_file_content",
            "-post_file",
            "/tekton/run/0/out",
            "-termination_path",
            "/tekton/termination",
            "-step_metadata_dir",
            "/tekton/run/0/status",
            "-on_error",
            "continue",
            "-timeout",
            "1s",
            "-stdout_path",
            "/workspace/out",
            "-stderr_path",
            "/workspace/err",
            "-step_results",
            "x",
            "--when_expressions",
            r#"[{"input":"a","operator":"in","values":["a"]}]"#,
            "-results",
            "r",
            "-entrypoint",
            "echo",
            "--",
            "hi",
        ]
    );
    assert_eq!(&args(1)[..2], ["-wait_file", "/tekton/run/0/out"]);
    let init = &spec.init_containers.expect("init containers")[0];
    assert_eq!(
        init.command.clone().unwrap_or_default(),
        [
            "/ko-app/entrypoint",
            "init",
            "/ko-app/entrypoint",
            "/tekton/bin/entrypoint",
            "step-a",
            "step-b"
        ]
    );
    assert_eq!(spec.containers[2].name, "sidecar-side");
}
