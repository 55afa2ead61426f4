//! Black-box tests of `podsim render` on Tekton runs: what a TaskRun and a
//! PipelineRun put on their Pods' metadata (the render oracle compares
//! TaskRun Pods with upstream's builder; PipelineRuns have no oracle).

mod common;

use assert_cmd::Command;
use serde::Deserialize;
use serde_json::Value;

use common::{tekton_example as example, write};

/// The Pods `podsim render ARGS` prints, in order.
fn rendered(args: &[&std::ffi::OsStr]) -> Vec<Value> {
    common::entrypoint();
    let out = Command::cargo_bin("podsim")
        .expect("podsim binary")
        .arg("render")
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_norway::Deserializer::from_slice(&out)
        .map(|doc| Value::deserialize(doc).expect("a rendered Pod"))
        .collect()
}

fn label<'a>(pod: &'a Value, key: &str) -> Option<&'a str> {
    pod["metadata"]["labels"][key].as_str()
}

#[test]
fn a_taskrun_pod_names_its_owner_namespace_and_service_account() {
    let pods = rendered(&[
        example("hello-taskrun.yaml").as_os_str(),
        example("hello-task.yaml").as_os_str(),
    ]);
    let pod = &pods[0];
    assert_eq!(label(pod, "tekton.dev/task"), Some("hello"));
    assert_eq!(label(pod, "tekton.dev/taskRun"), Some("hello-run"));
    let uid = label(pod, "tekton.dev/taskRunUID").expect("a UID label");
    let owner = &pod["metadata"]["ownerReferences"][0];
    assert_eq!(owner["kind"], "TaskRun");
    assert_eq!(owner["name"], "hello-run");
    assert_eq!(owner["uid"], uid);
    assert_eq!(owner["controller"], true);
    assert_eq!(pod["metadata"]["namespace"], "default");
    assert_eq!(pod["spec"]["serviceAccountName"], "default");
}

#[test]
fn an_inline_taskrun_has_no_task_label_and_keeps_its_own_labels() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = write(
        &dir,
        "run.yaml",
        "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata:\n  name: r\n  namespace: ci\n  labels: {team: web}\n  annotations: {note: kept}\nspec:\n  serviceAccountName: builder\n  taskSpec:\n    steps: [{name: s, image: localhost/stepwise/shell:dev, script: 'true'}]\n",
    );
    let pods = rendered(&[run.as_os_str()]);
    let pod = &pods[0];
    assert_eq!(label(pod, "tekton.dev/task"), None);
    assert_eq!(label(pod, "team"), Some("web"));
    assert_eq!(pod["metadata"]["annotations"]["note"], "kept");
    assert_eq!(pod["metadata"]["namespace"], "ci");
    assert_eq!(pod["spec"]["serviceAccountName"], "builder");
}

#[test]
fn a_pipelinerun_child_pod_carries_the_pipeline_labels() {
    let pods = rendered(&[
        example("build-pipelinerun.yaml").as_os_str(),
        example("build-pipeline.yaml").as_os_str(),
    ]);
    let fetch = pods
        .iter()
        .find(|p| label(p, "tekton.dev/pipelineTask") == Some("fetch"))
        .expect("the fetch task's Pod");
    assert_eq!(label(fetch, "tekton.dev/pipeline"), Some("build"));
    assert_eq!(label(fetch, "tekton.dev/pipelineRun"), Some("build-run"));
    assert_eq!(label(fetch, "tekton.dev/memberOf"), Some("tasks"));
    assert_eq!(label(fetch, "tekton.dev/taskRun"), Some("build-run-fetch"));
    assert!(label(fetch, "tekton.dev/pipelineRunUID").is_some());
    let report = pods
        .iter()
        .find(|p| label(p, "tekton.dev/memberOf") == Some("finally"));
    assert!(
        report.is_some(),
        "the finally task's Pod is labelled finally"
    );
}

const TEMPLATED: &str = r#"apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: tpl
  labels: {team: web}
spec:
  taskRunTemplate:
    serviceAccountName: ci
    podTemplate:
      env: [{name: WHO, value: template}, {name: ALSO, value: template}]
  taskRunSpecs:
    - pipelineTaskName: build
      serviceAccountName: builder
      podTemplate:
        env: [{name: WHO, value: build-entry}]
      metadata:
        labels: {tier: heavy}
  pipelineSpec:
    tasks:
      - name: build
        taskSpec:
          steps: [{name: s, image: localhost/stepwise/shell:dev, script: 'echo "build WHO=$WHO ALSO=$ALSO"'}]
      - name: test
        runAfter: [build]
        taskSpec:
          steps: [{name: s, image: localhost/stepwise/shell:dev, script: 'echo "test WHO=$WHO"'}]
"#;

#[test]
fn task_run_template_and_specs_reach_the_child_taskruns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = write(&dir, "run.yaml", TEMPLATED);
    let pods = rendered(&[run.as_os_str()]);
    let pod = |task: &str| {
        pods.iter()
            .find(|p| label(p, "tekton.dev/pipelineTask") == Some(task))
            .expect("the task's Pod")
    };
    assert_eq!(pod("build")["spec"]["serviceAccountName"], "builder");
    assert_eq!(pod("test")["spec"]["serviceAccountName"], "ci");
    assert_eq!(label(pod("build"), "tier"), Some("heavy"));
    assert_eq!(label(pod("test"), "tier"), None);
    assert_eq!(label(pod("test"), "team"), Some("web"));

    common::entrypoint();
    Command::cargo_bin("podsim")
        .expect("podsim binary")
        .args(["run", "-q", "--logs"])
        .arg(&run)
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "build WHO=build-entry ALSO=template",
        ))
        .stdout(predicates::str::contains("test WHO=template"));
}
