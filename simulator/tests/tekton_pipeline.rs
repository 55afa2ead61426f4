//! Black-box tests of `podsim` on Pipelines and PipelineRuns.

mod common;

use common::{pipeline_status, podsim, tekton_example as example, write};
use predicates::prelude::*;

fn run_json(args: &[&std::path::Path], extra: &[&str], code: i32) -> serde_json::Value {
    pipeline_status(common::run_json(code, |cmd| cmd.args(args).args(extra)))
}

#[test]
fn the_example_pipelinerun_shares_a_workspace_and_passes_results() {
    let status = run_json(
        &[
            &example("build-pipelinerun.yaml"),
            &example("build-pipeline.yaml"),
        ],
        &[],
        0,
    );
    insta::assert_yaml_snapshot!("build_pipelinerun_status", status);
}

#[test]
fn a_false_when_skips_the_task_and_the_run_is_completed() {
    let status = run_json(
        &[
            &example("build-pipelinerun.yaml"),
            &example("build-pipeline.yaml"),
        ],
        &["--param", "lint=no"],
        0,
    );
    insta::assert_yaml_snapshot!("build_pipelinerun_lint_skipped", status);
}

const FAILING: &str = "apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
    - name: bad
      taskSpec: {steps: [{name: s, image: x, command: ['false']}]}
    - name: after
      runAfter: [bad]
      taskSpec: {steps: [{name: s, image: x, command: ['true']}]}
  finally:
    - name: cleanup
      params: [{name: all, value: $(tasks.status)}, {name: bad, value: $(tasks.bad.status)}]
      taskSpec:
        params: [{name: all}, {name: bad}]
        steps: [{name: s, image: x, script: 'echo \"all=$(params.all) bad=$(params.bad)\"'}]
";

#[test]
fn a_failed_task_stops_the_dag_and_finally_sees_the_failure() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(&dir, "p.yaml", FAILING);
    podsim()
        .args(["run", "-q", "--logs"])
        .arg(&file)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "[cleanup/step-s] all=Failed bad=Failed",
        ));
    let status = run_json(&[&file], &[], 1);
    insta::assert_yaml_snapshot!("failing_pipeline_status", status);
}

#[test]
fn independent_branches_run_at_the_same_time() {
    // Each task waits for the other's marker: only parallel branches finish.
    let dir = tempfile::tempdir().expect("temp dir");
    let shared = tempfile::tempdir().expect("shared dir");
    let task = |me: &str, other: &str| {
        format!(
            "    - name: {me}\n      workspaces: [{{name: w, workspace: shared}}]\n      taskSpec:\n        workspaces: [{{name: w}}]\n        steps:\n          - name: s\n            image: x\n            script: |\n              touch $(workspaces.w.path)/{me}\n              i=0; until [ -e $(workspaces.w.path)/{other} ]; do i=$((i+1)); [ $i -lt 2000 ] || exit 1; sleep 0.01; done\n"
        )
    };
    let text = format!(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {{name: par}}\nspec:\n  workspaces: [{{name: shared}}]\n  tasks:\n{}{}",
        task("a", "b"),
        task("b", "a")
    );
    let file = write(&dir, "par.yaml", &text);
    podsim()
        .args(["run", "-q"])
        .arg(&file)
        .arg("--workspace")
        .arg(format!("shared={}", shared.path().display()))
        .assert()
        .success();
}

#[test]
fn cancel_after_cancels_the_running_tasks_and_skips_finally() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "slow.yaml",
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: slow}\nspec:\n  tasks:\n    - name: wait\n      taskSpec: {steps: [{name: s, image: x, command: [sleep, '30']}]}\n  finally:\n    - name: never\n      taskSpec: {steps: [{name: s, image: x, command: ['true']}]}\n",
    );
    let status = run_json(&[&file], &["--cancel-after", "300ms"], 1);
    assert_eq!(status["conditions"][0]["reason"], "Cancelled", "{status:#}");
    // Upstream marks a cancelled run done at once and lists no skips after
    // that: the finally task is not run and not listed.
    assert!(status.get("skippedTasks").is_none(), "{status:#}");
    let children = status["childReferences"].as_array().expect("children");
    assert!(
        children.iter().all(|c| c["pipelineTaskName"] != "never"),
        "{status:#}"
    );
}

#[test]
fn bad_pipelines_are_one_line_each() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cycle = write(
        &dir,
        "cycle.yaml",
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: c}\nspec:\n  tasks:\n    - {name: a, runAfter: [b], taskRef: {name: t}}\n    - {name: b, runAfter: [a], taskRef: {name: t}}\n",
    );
    podsim()
        .arg("validate")
        .arg(&cycle)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is part of a cycle"));
    let custom = write(
        &dir,
        "custom.yaml",
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: c}\nspec:\n  params: [{name: p}]\n  tasks:\n    - {name: a, taskRef: {apiVersion: example.dev/v1, kind: Wait}}\n",
    );
    podsim()
        .args(["run", "-q"])
        .arg(&custom)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "pipeline param \"p\" has no value and no default: pass --param p=VALUE",
        ));
    podsim()
        .arg("validate")
        .arg(&custom)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "podsim: note: Pipeline c checked as a definition; to run it pass --param p=VALUE",
        ));
    podsim()
        .args(["run", "-q", "--param", "p=1"])
        .arg(&custom)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "custom task example.dev/v1/Wait: no runner registered",
        ));
}

#[test]
fn a_when_guards_only_its_own_task() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "guard.yaml",
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: g}\nspec:\n  tasks:\n    - name: guarded\n      when: [{input: a, operator: notin, values: [a]}]\n      taskSpec: {results: [{name: r}], steps: [{name: s, image: x, command: ['true']}]}\n    - name: child\n      runAfter: [guarded]\n      taskSpec: {steps: [{name: s, image: x, command: ['true']}]}\n    - name: consumer\n      params: [{name: v, value: $(tasks.guarded.results.r)}]\n      taskSpec: {params: [{name: v}], steps: [{name: s, image: x, command: ['true']}]}\n",
    );
    let status = run_json(&[&file], &[], 0);
    assert_eq!(
        status["childReferences"][0]["pipelineTaskName"], "child",
        "{status:#}"
    );
    let reasons: Vec<(String, String)> = status["skippedTasks"]
        .as_array()
        .expect("skippedTasks")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or("").into(),
                s["reason"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "guarded".to_string(),
                "When Expressions evaluated to false".to_string()
            ),
            ("consumer".to_string(), "Results were missing".to_string())
        ]
    );
}

#[test]
fn child_statuses_writes_each_task_runs_status_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("children.json");
    let status = run_json(
        &[&example("matrix-pipelinerun.yaml")],
        &["--child-statuses", file.to_str().unwrap()],
        0,
    );
    let children: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("the file is written"))
            .expect("JSON");
    let names: Vec<&str> = status["childReferences"]
        .as_array()
        .expect("childReferences")
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        children.as_object().unwrap().len(),
        names.len(),
        "{children}"
    );
    for name in names {
        assert_eq!(
            children[name]["conditions"][0]["reason"], "Succeeded",
            "{name}: {children}"
        );
    }
}

#[test]
fn child_statuses_is_refused_for_a_taskrun() {
    podsim()
        .args(["run", "-q"])
        .arg(example("hello-taskrun.yaml"))
        .arg(example("hello-task.yaml"))
        .args(["--child-statuses", "/dev/null"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--child-statuses applies to PipelineRuns",
        ));
}

#[test]
fn a_read_only_workspace_refuses_writes_where_containers_have_namespaces() {
    if !simulator::runtime::isolation::namespaces_available() {
        eprintln!("skipped: no mount namespaces for this user (readOnly is only rendered)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "ro.yaml",
        r#"
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: ro}
spec:
  workspaces:
    - name: src
      volumeClaimTemplate:
        spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
  pipelineSpec:
    workspaces: [{name: src}]
    tasks:
      - name: write
        workspaces: [{name: w, workspace: src}]
        taskSpec:
          workspaces: [{name: w}]
          steps: [{name: s, image: busybox, script: "echo hi > $(workspaces.w.path)/f"}]
      - name: read
        runAfter: [write]
        workspaces: [{name: w, workspace: src}]
        taskSpec:
          workspaces: [{name: w, readOnly: true}]
          steps:
            - {name: r, image: busybox, script: "cat $(workspaces.w.path)/f"}
            - {name: w, image: busybox, script: "echo no > $(workspaces.w.path)/f"}
"#,
    );
    podsim()
        .args(["run", "-q", "--isolation", "namespaces", "--logs"])
        .arg(&file)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("[read/step-r] hi"))
        .stdout(predicate::str::contains("Read-only file system"));
}

#[test]
fn a_lone_pipeline_validates_without_its_tasks_and_a_run_names_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "ci.yaml",
        r#"apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: ci}
spec:
  params: [{name: url}]
  workspaces: [{name: src}]
  tasks:
    - name: fetch
      taskRef: {name: git-clone}
      params: [{name: url, value: $(params.url)}, {name: flags, value: [a, b]}]
      workspaces: [{name: output, workspace: src}]
    - name: test
      taskRef: {name: go-test}
      params:
        - {name: rev, value: $(tasks.fetch.results.commit)}
        - {name: first, value: "$(tasks.fetch.results.list[0])"}
        - {name: repo, value: "$(tasks.fetch.results.info.url)"}
  results:
    - {name: commit, value: $(tasks.fetch.results.commit)}
"#,
    );
    // A directory of other Pipelines lends definitions; the lone one is still the file's.
    let lib = dir.path().join("lib");
    std::fs::create_dir(&lib).expect("lib");
    std::fs::copy(
        common::examples_dir().join("tekton/build-pipeline.yaml"),
        lib.join("build-pipeline.yaml"),
    )
    .expect("copy");
    for extra in [&[][..], &["-f".as_ref(), lib.as_os_str()][..]] {
        podsim()
            .arg("validate")
            .arg(&file)
            .args(extra)
            .assert()
            .success()
            .stderr(predicate::str::contains(
                "podsim: note: the Pipeline names Tasks no file defines (git-clone, go-test); checked against stand-ins, a run needs them (-f DIR)",
            ));
    }
    podsim()
        .args(["run", "-q", "--param", "url=u"])
        .arg("--workspace")
        .arg(format!("src={}", dir.path().display()))
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "podsim: Pipeline ci: pipeline task \"fetch\": taskRef \"git-clone\" is not defined in the files or -f directories",
        ));
}
