//! CEL `when` behind Tekton's `enable-cel-in-whenexpression` feature flag,
//! and the feature flags themselves: black-box runs through `podsim`.

mod common;

use common::{podsim, run_json, write};
use predicates::prelude::*;

const PIPELINE: &str = r#"
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: cel}
spec:
  params: [{name: env, value: prod}]
  pipelineSpec:
    params: [{name: env}]
    tasks:
      - name: probe
        taskSpec:
          results: [{name: score}]
          steps: [{name: s, image: busybox, script: "printf 7 > $(results.score.path)"}]
      - name: deploy
        when: [{cel: "'$(params.env)' == 'prod' && int('$(tasks.probe.results.score)') > 5"}]
        taskSpec:
          steps: [{name: s, image: busybox, script: "echo deploying"}]
      - name: staging
        when: [{cel: "'$(params.env)' == 'staging'"}]
        taskSpec:
          steps: [{name: s, image: busybox, script: "echo staging"}]
    finally:
      - name: report
        when: [{cel: "'$(tasks.status)' == 'Completed'"}]
        taskSpec:
          steps: [{name: s, image: busybox, script: "echo report"}]
"#;

const FLAGS: &str = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: feature-flags, namespace: tekton-pipelines}
data:
  enable-cel-in-whenexpression: "true"
  enable-api-fields: "beta"
  results-from: "termination-message"
"#;

#[test]
fn cel_needs_the_feature_flag_as_upstream_admission_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(&dir, "cel.yaml", PIPELINE);
    podsim()
        .arg("validate")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "pipeline task \"deploy\".when[0]: feature flag enable-cel-in-whenexpression should be set to true to use CEL",
        ));
}

#[test]
fn cel_guards_tasks_with_params_results_and_tasks_status() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(&dir, "cel.yaml", PIPELINE);
    let cel_on = ["--feature-flag", "enable-cel-in-whenexpression=true"];
    podsim()
        .args(["run", "-q", "--logs"])
        .args(cel_on)
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("[deploy/step-s] deploying"))
        .stdout(predicate::str::contains("[staging/").not())
        .stdout(predicate::str::contains("[report/step-s] report"));
    let status = run_json(0, |cmd| cmd.args(cel_on).arg(&file));
    let skipped = &status["skippedTasks"];
    assert_eq!(skipped[0]["name"], "staging", "{status}");
    assert_eq!(skipped[0]["reason"], "When Expressions evaluated to false");
    assert_eq!(
        skipped[0]["whenExpressions"][0]["cel"], "'prod' == 'staging'",
        "the substituted expression is reported"
    );
    assert_eq!(status["conditions"][0]["reason"], "Completed");
}

#[test]
fn a_feature_flags_configmap_among_the_files_turns_cel_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(&dir, "cel.yaml", PIPELINE);
    let flags = write(&dir, "flags.yaml", FLAGS);
    podsim()
        .args(["run", "-q"])
        .arg(&flags)
        .arg(&file)
        .assert()
        .success();
}

#[test]
fn a_cel_expression_that_is_not_a_boolean_fails_the_run_as_upstream() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = PIPELINE.replace("'$(params.env)' == 'staging'", "'$(params.env)' + '-x'");
    let file = write(&dir, "cel.yaml", &text);
    podsim()
        .args([
            "run",
            "-q",
            "--feature-flag",
            "enable-cel-in-whenexpression=true",
        ])
        .arg(&file)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("cel: Failed").not())
        .stdout(predicate::str::contains("CELEvaluationFailed"))
        .stdout(predicate::str::contains("not a boolean"));
}

#[test]
fn cel_that_does_not_compile_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = PIPELINE.replace("'$(params.env)' == 'staging'", "$(params.env) ==");
    let file = write(&dir, "cel.yaml", &text);
    podsim()
        .args([
            "run",
            "-q",
            "--feature-flag",
            "enable-cel-in-whenexpression=true",
        ])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not compile"));
}

#[test]
fn step_when_cel_needs_the_flag_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let task = r#"
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: step-cel}
spec:
  taskSpec:
    steps:
      - name: s
        image: busybox
        script: "echo hi"
        when: [{cel: "1 == 1"}]
"#;
    let file = write(&dir, "tr.yaml", task);
    podsim()
        .args(["run", "-q"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "spec.steps[0].when[0]: feature flag enable-cel-in-whenexpression",
        ));
    podsim()
        .args([
            "run",
            "-q",
            "--feature-flag",
            "enable-cel-in-whenexpression=1",
        ])
        .arg(&file)
        .assert()
        .success();
}

#[test]
fn bad_feature_flags_get_one_clear_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(&dir, "cel.yaml", PIPELINE);
    podsim()
        .args(["validate", "--feature-flag", "no-such-flag=true"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--feature-flag no-such-flag: unknown feature flag",
        ));
    let flags = write(
        &dir,
        "flags.yaml",
        &FLAGS.replace("termination-message", "sidecar-logs"),
    );
    podsim()
        .arg("validate")
        .arg(&flags)
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "feature flag results-from = \"sidecar-logs\" is not supported by podsim",
        ));
    let other = write(
        &dir,
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-config}\n",
    );
    podsim()
        .arg("validate")
        .arg(&other)
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no Tekton resource, only ConfigMap app-config: podsim reads Tasks, TaskRuns, Pipelines, PipelineRuns and the feature-flags ConfigMap",
        ));
}

#[test]
fn cel_on_a_result_never_produced_skips_as_results_were_missing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = PIPELINE.replace("printf 7 > $(results.score.path)", "true");
    let file = write(&dir, "cel.yaml", &text);
    let status = run_json(0, |cmd| {
        cmd.args(["--feature-flag", "enable-cel-in-whenexpression=true"])
            .arg(&file)
    });
    let deploy = status["skippedTasks"]
        .as_array()
        .expect("skippedTasks")
        .iter()
        .find(|s| s["name"] == "deploy")
        .cloned()
        .unwrap_or_default();
    assert_eq!(deploy["reason"], "Results were missing", "{status}");
}
