//! Black-box tests of `podsim` on Tekton Tasks and TaskRuns.

mod common;

use common::{podsim, redact, run_json, tekton_example as example, write};
use predicates::prelude::*;

/// The status printed with `-o json`, timestamps redacted.
fn status_of(mut value: serde_json::Value) -> serde_json::Value {
    redact(&mut value);
    value
}

#[test]
fn the_example_taskrun_runs_with_typed_results() {
    let out = run_json(0, |cmd| {
        cmd.arg(example("hello-taskrun.yaml"))
            .arg(example("hello-task.yaml"))
    });
    insta::assert_yaml_snapshot!("hello_taskrun_status", status_of(out));
}

#[test]
fn a_task_runs_directly_with_params_and_a_workspace_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    podsim()
        .args(["run", "-q", "--logs"])
        .arg(example("hello-task.yaml"))
        .args([
            "--param",
            "who=you",
            "--param",
            r#"style={"punctuation":"?"}"#,
        ])
        .arg("--workspace")
        .arg(format!("out={}", dir.path().display()))
        .assert()
        .success()
        .stdout(predicate::str::contains("Hello, you? from hello-run"));
    let written = std::fs::read_to_string(dir.path().join("greeting.txt")).expect("greeting");
    assert_eq!(written, "Hello, you");
}

#[test]
fn a_lone_task_validates_as_a_definition_and_its_run_names_the_flag() {
    podsim()
        .arg("validate")
        .arg(example("hello-task.yaml"))
        .assert()
        .success()
        .stdout(predicate::str::ends_with("hello-task.yaml: ok\n"))
        .stderr(
            "podsim: note: Task hello checked as a definition; to run it pass --workspace out=DIR\n",
        );
    podsim()
        .args(["run", "-q"])
        .arg(example("hello-task.yaml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "podsim: Task hello: spec.workspaces[0]: workspace \"out\" is not bound: pass --workspace out=DIR",
        ));
}

const V1BETA1: &str = "apiVersion: tekton.dev/v1beta1
kind: TaskRun
metadata: {name: old}
spec:
  stepOverrides: [{name: a, resources: {limits: {cpu: '1'}}}]
  params: [{name: n, value: '3'}]
  taskSpec:
    params: [{name: n}, {name: list, type: array, default: [x, y]}]
    results: [{name: out}]
    steps:
      - name: a
        image: busybox
        resources: {requests: {memory: 1Mi}}
        command: [sh, -c, 'printf %s \"$0$1\" $(params.n) > $(results.out.path)', '$(params.list[1])']
";

#[test]
fn v1beta1_taskruns_with_inline_specs_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(&dir, "old.yaml", V1BETA1);
    let out = run_json(0, |cmd| cmd.arg(&file));
    let status = status_of(out);
    assert_eq!(status["results"][0]["value"], "y3", "{status:#}");
}

#[test]
fn a_missing_param_and_an_image_only_step_are_each_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "t.yaml",
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  params: [{name: p}]\n  steps:\n    - name: a\n      image: example.com/tool\n",
    );
    podsim()
        .args(["run", "-q"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "spec.params[0]: param \"p\" has no value and no default: pass --param p=VALUE",
        ))
        .stderr(predicate::str::contains(
            "--image-command example.com/tool=CMD",
        ))
        .stderr(predicate::str::contains("give a command or a script").not());
    // Checked as upstream's admission checks it, both are what a run needs:
    // notes, and the Task is valid.
    podsim()
        .arg("validate")
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "podsim: note: Task t checked as a definition; to run it pass --param p=VALUE",
        ))
        .stderr(predicate::str::contains("has no value").not())
        .stderr(predicate::str::contains(
            "podsim: note: a step gives only the image \"example.com/tool\"; to run it pass --image-command example.com/tool=CMD",
        ));
    podsim()
        .args(["run", "-q", "--logs", "--param", "p=v"])
        .arg(&file)
        .args(["--image-command", "example.com/tool=echo from-the-image"])
        .assert()
        .success()
        .stdout(predicate::str::contains("[step-a] from-the-image"));
}

#[test]
fn unknown_and_unsupported_fields_are_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let typo = write(
        &dir,
        "typo.yaml",
        "# comment\napiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\n---\napiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: r}\nspec:\n  taskRef: {name: t}\n  paramz: []\n",
    );
    podsim()
        .arg("validate")
        .arg(&typo)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "typo.yaml:11:3: spec.paramz: unknown field `paramz`",
        ))
        .stderr(predicate::str::contains("did you mean `params`?"));
    let step_ref = write(
        &dir,
        "ref.yaml",
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps: [{name: a, ref: {name: action}}]\n",
    );
    podsim()
        .arg("validate")
        .arg(&step_ref)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "spec.steps[0].ref: not supported by podsim: StepActions",
        ));
}

#[test]
fn task_refs_resolve_from_directories_and_missing_ones_are_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = write(
        &dir,
        "run.yaml",
        "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: r}\nspec:\n  taskRef: {name: hello}\n  workspaces: [{name: out, emptyDir: {}}]\n",
    );
    podsim()
        .args(["validate"])
        .arg(&run)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "taskRef \"hello\" is not defined in the files or -f directories",
        ));
    podsim()
        .args(["render"])
        .arg(&run)
        .arg("-f")
        .arg(common::examples_dir().join("tekton"))
        .assert()
        .success()
        .stdout(predicate::str::contains("tekton.dev/taskRun: r"))
        .stdout(predicate::str::contains("name: r-pod"));
}

#[test]
fn a_failing_step_fails_the_taskrun_with_upstreams_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "fail.yaml",
        "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: f}\nspec:\n  taskSpec:\n    steps:\n      - {name: a, image: x, command: ['false']}\n      - {name: b, image: x, command: ['true']}\n",
    );
    let out = run_json(1, |cmd| cmd.arg(&file));
    let status = status_of(out);
    assert_eq!(status["conditions"][0]["reason"], "Failed");
    // As upstream reads the Pod: the kubelet's view in terminated.reason,
    // the entrypoint's verdict in terminationReason.
    assert_eq!(status["steps"][0]["terminated"]["reason"], "Error");
    assert_eq!(status["steps"][0]["terminationReason"], "Error");
    assert_eq!(status["steps"][1]["terminated"]["reason"], "Error");
    assert_eq!(status["steps"][1]["terminationReason"], "Skipped");
}

#[test]
fn a_continued_step_reads_completed_with_its_own_exit_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "cont.yaml",
        "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: c}\nspec:\n  taskSpec:\n    steps:\n      - {name: a, image: x, onError: continue, command: ['sh', '-c', 'exit 3']}\n      - {name: b, image: x, command: ['true']}\n",
    );
    let out = run_json(0, |cmd| cmd.arg(&file));
    let status = status_of(out);
    assert_eq!(status["steps"][0]["terminated"]["reason"], "Completed");
    assert_eq!(status["steps"][0]["terminated"]["exitCode"], 3);
    assert_eq!(status["steps"][0]["terminationReason"], "Continued");
    assert_eq!(status["steps"][1]["terminationReason"], "Completed");
}

#[test]
fn a_misspelt_param_is_refused_as_upstreams_admission_refuses_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "typo.yaml",
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: clone}\nspec:\n  params: [{name: revision, default: main}]\n  steps:\n    - {name: s, image: busybox, script: 'echo $(params.revison)'}\n",
    );
    for action in ["validate", "run", "render"] {
        let out = podsim().arg(action).arg(&file).output().expect("podsim");
        assert_eq!(out.status.code(), Some(2), "{action}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            said.lines().filter(|l| !l.starts_with("podsim: isolation")).collect::<Vec<_>>(),
            [format!(
                "podsim: {}: Task clone: spec.steps[0].script: non-existent variable in \"echo $(params.revison)\"",
                file.display()
            )],
            "{action}"
        );
    }
}

#[test]
fn step_mounts_take_params_sub_paths_and_read_only_and_credentials_path_is_set() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "mounts.yaml",
        r#"apiVersion: tekton.dev/v1
kind: Task
metadata: {name: mounts}
spec:
  params: [{name: CACHE, default: cache}]
  volumes: [{name: cache, emptyDir: {}}]
  steps:
    - name: write
      image: busybox
      volumeMounts: [{name: $(params.CACHE), mountPath: /cache, subPath: sub}]
      env: [{name: DOCKER_CONFIG, value: $(credentials.path)/.docker}]
      script: |
        echo "config $DOCKER_CONFIG"
        echo hi > /cache/file
    - name: read
      image: busybox
      volumeMounts: [{name: cache, mountPath: /all, readOnly: true}]
      script: |
        cat /all/sub/file
        touch /all/new 2>/dev/null && echo writable || echo read-only
"#,
    );
    podsim()
        .args(["run", "-q", "--logs"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "[step-write] config /tekton/creds/.docker",
        ))
        .stdout(predicate::str::contains("[step-read] hi"))
        .stdout(predicate::str::contains("[step-read] read-only"));
    let bad = write(
        &dir,
        "escape.yaml",
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: e}\nspec:\n  volumes: [{name: v, emptyDir: {}}]\n  steps:\n    - {name: s, image: busybox, script: 'true', volumeMounts: [{name: v, mountPath: /v, subPath: ../up}]}\n",
    );
    podsim()
        .arg("validate")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "spec.steps[0].volumeMounts[0].subPath: \"../up\" must be a relative path without '..'",
        ));
}

#[test]
fn validate_notes_a_config_map_workspace_a_run_must_be_given() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "cm.yaml",
        "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: r}\nspec:\n  workspaces: [{name: conf, configMap: {name: settings}}]\n  taskSpec:\n    workspaces: [{name: conf}]\n    steps: [{name: s, image: busybox, script: 'cat $(workspaces.conf.path)/a'}]\n",
    );
    podsim()
        .arg("validate")
        .arg(&file)
        .assert()
        .success()
        .stderr("podsim: note: workspaces bound to volumes podsim cannot fill; to run it pass --workspace conf=DIR\n");
    podsim()
        .args(["run", "-q"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "podsim: TaskRun r: spec.workspaces[0]: workspace \"conf\" needs a host directory for its volume: pass --workspace conf=DIR",
        ));
}

#[test]
fn an_unknown_image_is_noted_once_however_many_steps_give_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "two.yaml",
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps:\n    - {name: a, image: example.com/tool}\n    - {name: b, image: example.com/tool}\n",
    );
    podsim()
        .arg("validate")
        .arg(&file)
        .assert()
        .success()
        .stderr("podsim: note: a step gives only the image \"example.com/tool\"; to run it pass --image-command example.com/tool=CMD or make the image available to `podman image inspect`\n");
}
