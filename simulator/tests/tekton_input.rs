//! Black-box tests of how `podsim` reads Tekton files: empty documents,
//! documents that are not Tekton's, and `-f` directories beside the files.

mod common;

use common::{podsim, write};
use predicates::prelude::*;

const TASK: &str = "apiVersion: tekton.dev/v1
kind: Task
metadata: {name: greet}
spec:
  steps:
    - name: hello
      image: busybox
      script: echo hello
";

const RUN: &str = "apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: greet-run}
spec:
  taskRef: {name: greet}
";

#[test]
fn empty_documents_are_skipped_as_kubectl_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let trailing = write(&dir, "trailing.yaml", &format!("{TASK}---\n"));
    let leading = write(
        &dir,
        "leading.yaml",
        &format!("--- \n---\n{TASK}---\n\n---\n"),
    );
    let scenario = write(
        &dir,
        "scenario.yaml",
        "name: s\nsteps: [{name: a, image: busybox, command: [\"true\"]}]\n---\n",
    );
    let between = write(
        &dir,
        "between.yaml",
        &format!("{TASK}---\n--- \n---\n{RUN}---\n"),
    );
    for file in [&trailing, &leading, &scenario, &between] {
        podsim()
            .arg("validate")
            .arg(file)
            .assert()
            .success()
            .stdout(predicate::str::ends_with(": ok\n"));
    }
    // Positions stay those of the file.
    let bad = write(
        &dir,
        "bad.yaml",
        &format!("---\n---\n{}---\n", TASK.replace("script:", "scrpt:")),
    );
    podsim().arg("validate").arg(&bad).assert().code(2).stderr(
        predicate::str::contains("bad.yaml:10:7:")
            .and(predicate::str::contains("did you mean `script`")),
    );
    let empty = write(&dir, "empty.yaml", "---\n---\n");
    podsim()
        .arg("validate")
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the file is empty"));
}

const SECRET: &str = "apiVersion: v1
kind: Secret
metadata: {name: token}
stringData: {token: x}
";

const ACCOUNT: &str = "# the run's account
apiVersion: v1
kind: ServiceAccount
metadata: {name: runner}
";

#[test]
fn documents_of_other_kinds_are_skipped_with_one_note_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = write(
        &dir,
        "run.yaml",
        &format!("{SECRET}---\n{ACCOUNT}---\n{TASK}---\n{RUN}"),
    );
    let notes = "podsim: note: FILE:1: skipped Secret token (not a Tekton resource)\n\
         podsim: note: FILE:7: skipped ServiceAccount runner (not a Tekton resource)\n"
        .replace("FILE", &run.display().to_string());
    podsim()
        .arg("validate")
        .arg(&run)
        .assert()
        .success()
        .stderr(notes.clone());
    podsim()
        .args(["run", "-q"])
        .arg(&run)
        .assert()
        .success()
        .stderr(notes);
    // The same for a PipelineRun's files, and a feature-flags ConfigMap is still read.
    let pipeline = write(
        &dir,
        "pipeline.yaml",
        "apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: p}
spec:
  pipelineSpec:
    tasks:
      - name: greet
        taskRef: {name: greet}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: feature-flags}
data: {results-from: sidecar-logs}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
",
    );
    let task = write(&dir, "task.yaml", TASK);
    podsim()
        .arg("validate")
        .arg(&pipeline)
        .arg(&task)
        .assert()
        .code(2)
        .stderr(
            predicate::str::starts_with(format!(
                "podsim: note: {}:15: skipped Role reader (not a Tekton resource)\n",
                pipeline.display()
            ))
            .and(predicate::str::contains("results-from")),
        );
}

#[test]
fn a_directory_lends_definitions_and_ignores_other_kinds_silently() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lib = dir.path().join("lib");
    std::fs::create_dir(&lib).expect("lib dir");
    std::fs::write(lib.join("secret.yaml"), SECRET).expect("secret");
    std::fs::write(lib.join("task.yaml"), format!("{ACCOUNT}---\n{TASK}")).expect("task");
    let run = write(&dir, "run.yaml", RUN);
    podsim()
        .arg("validate")
        .arg(&run)
        .arg("-f")
        .arg(&lib)
        .assert()
        .success()
        .stderr("");
}

#[test]
fn a_file_of_no_tekton_resource_is_one_error_naming_what_it_holds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let task = write(&dir, "task.yaml", TASK);
    let many = write(&dir, "many.yaml", &format!("{SECRET}---\n{ACCOUNT}"));
    podsim()
        .arg("validate")
        .arg(&task)
        .arg(&many)
        .assert()
        .code(2)
        .stderr(format!(
            "podsim: {}: no Tekton resource, only Secret token, ServiceAccount runner: podsim reads Tasks, TaskRuns, Pipelines, PipelineRuns and the feature-flags ConfigMap\n",
            many.display()
        ));
    let secret = write(&dir, "secret.yaml", SECRET);
    podsim()
        .arg("validate")
        .arg(&secret)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("kind \"Secret\" is not supported"));
}

#[test]
fn a_file_given_and_in_a_directory_counts_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(&dir, "task.yaml", TASK);
    write(&dir, "run.yaml", RUN);
    // Given by a relative name, and found again as ./run.yaml in -f .
    podsim()
        .current_dir(dir.path())
        .args(["validate", "run.yaml", "task.yaml", "-f", "."])
        .assert()
        .success()
        .stdout("run.yaml: ok\ntask.yaml: ok\n");
    podsim()
        .current_dir(dir.path())
        .args(["run", "-q", "run.yaml", "-f", "."])
        .assert()
        .success();
    // A copy elsewhere is still a second definition.
    let other = tempfile::tempdir().expect("tempdir");
    write(&other, "task.yaml", TASK);
    podsim()
        .current_dir(dir.path())
        .args(["validate", "run.yaml", "task.yaml", "-f"])
        .arg(other.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "taskRef \"greet\" is defined more than once (task.yaml, ",
        ));
}

#[test]
fn the_run_object_comes_from_the_files_never_from_a_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lib = dir.path().join("lib");
    std::fs::create_dir(&lib).expect("lib dir");
    let other = TASK
        .replace("name: greet}", "name: other}")
        .replace("echo hello", "echo other")
        .replace(
            "    - name: hello",
            "  params: [{name: who}]\n  steps:\n    - name: hello",
        )
        .replacen("  steps:\n", "", 1);
    std::fs::write(lib.join("other.yaml"), &other).expect("other");
    std::fs::write(
        lib.join("pipeline.yaml"),
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  params: [{name: x}]\n  tasks: [{name: a, taskRef: {name: other}}]\n",
    )
    .expect("pipeline");
    let task = write(&dir, "task.yaml", TASK);
    podsim()
        .arg("validate")
        .arg(&task)
        .arg("-f")
        .arg(&lib)
        .assert()
        .success()
        .stderr("");
    podsim()
        .args(["run", "-q", "--logs"])
        .arg(&task)
        .arg("-f")
        .arg(&lib)
        .assert()
        .success()
        .stdout(predicate::str::contains("hello"));
    // A lone Task of a directory is no run object either.
    let lone = dir.path().join("lone");
    std::fs::create_dir(&lone).expect("lone dir");
    std::fs::write(lone.join("task.yaml"), TASK).expect("task");
    let flags = write(
        &dir,
        "flags.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: feature-flags}\ndata: {}\n",
    );
    podsim()
        .arg("validate")
        .arg(&flags)
        .arg("-f")
        .arg(&lone)
        .assert()
        .code(2)
        .stderr("podsim: no TaskRun and no Task to run among the files\n");
}

#[test]
fn several_runs_are_named_by_what_was_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pipeline_run = "apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: NAME}
spec:
  pipelineSpec:
    tasks: [{name: greet, taskRef: {name: greet}}]
";
    let two = write(
        &dir,
        "two.yaml",
        &format!(
            "{}---\n{}",
            pipeline_run.replace("NAME", "a"),
            pipeline_run.replace("NAME", "b")
        ),
    );
    let task = write(&dir, "task.yaml", TASK);
    podsim()
        .arg("validate")
        .arg(&two)
        .arg(&task)
        .assert()
        .code(2)
        .stderr("podsim: 2 PipelineRuns: give exactly one PipelineRun or TaskRun\n");
    let mixed = write(
        &dir,
        "mixed.yaml",
        &format!("{}---\n{RUN}", pipeline_run.replace("NAME", "a")),
    );
    podsim()
        .arg("validate")
        .arg(&mixed)
        .arg(&task)
        .assert()
        .code(2)
        .stderr("podsim: 1 PipelineRun and 1 TaskRun: give exactly one PipelineRun or TaskRun\n");
    let tasks = write(
        &dir,
        "tasks.yaml",
        &format!(
            "{TASK}---\n{}",
            TASK.replace("name: greet}", "name: other}")
        ),
    );
    podsim()
        .arg("validate")
        .arg(&tasks)
        .assert()
        .code(2)
        .stderr("podsim: 2 Tasks and no TaskRun: give exactly one TaskRun, or one Task to run with --param/--workspace\n");
}

#[test]
fn a_definition_without_a_name_is_one_error_naming_file_and_kind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let task = write(
        &dir,
        "task.yaml",
        &TASK.replace("metadata: {name: greet}\n", ""),
    );
    podsim()
        .arg("validate")
        .arg(&task)
        .assert()
        .code(2)
        .stderr(format!(
            "podsim: {}: Task has no metadata.name\n",
            task.display()
        ));
    let lib = dir.path().join("lib");
    std::fs::create_dir(&lib).expect("lib dir");
    std::fs::write(
        lib.join("pipeline.yaml"),
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {labels: {a: b}}\nspec:\n  tasks: []\n",
    )
    .expect("pipeline");
    // In a directory, nothing could name it: it is left out, and the run
    // fails on its own missing Task.
    podsim()
        .arg("validate")
        .arg(write(&dir, "run.yaml", RUN))
        .arg("-f")
        .arg(&lib)
        .assert()
        .code(2)
        .stderr("podsim: taskRef \"greet\" is not defined in the files or -f directories\n");
}

#[test]
fn v1beta1_fields_in_a_v1_document_name_their_v1_spelling() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: p}\nspec:\n  serviceAccountName: sa\n  pipelineSpec:\n    tasks: [{name: a, taskSpec: {steps: [{name: s, image: busybox, script: 'true'}]}}]\n";
    let v1 = write(&dir, "v1.yaml", text);
    podsim()
        .arg("validate")
        .arg(&v1)
        .assert()
        .code(2)
        .stderr(format!(
            "podsim: {}:1: PipelineRun: spec.serviceAccountName: a tekton.dev/v1beta1 field; tekton.dev/v1 spells it spec.taskRunTemplate.serviceAccountName\n",
            v1.display()
        ));
    let beta = write(
        &dir,
        "beta.yaml",
        &text.replace("tekton.dev/v1\n", "tekton.dev/v1beta1\n"),
    );
    podsim().arg("validate").arg(&beta).assert().success();
}

#[test]
fn a_directory_definition_that_cannot_be_read_matters_only_when_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lib = dir.path().join("lib");
    std::fs::create_dir(&lib).expect("lib dir");
    std::fs::write(
        lib.join("broken.yaml"),
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: broken}\nspec:\n  stepz: []\n---\napiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: old}\nspec:\n  timeout: 1h\n  pipelineRef: {name: p}\n",
    )
    .expect("write");
    std::fs::write(
        lib.join("good.yaml"),
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: good}\nspec:\n  steps: [{name: s, image: busybox, script: 'true'}]\n",
    )
    .expect("write");
    let run = |task: &str| {
        write(
            &dir,
            &format!("{task}.yaml"),
            &format!("apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {{name: r}}\nspec:\n  taskRef: {{name: {task}}}\n"),
        )
    };
    podsim()
        .arg("validate")
        .arg(run("good"))
        .arg("-f")
        .arg(&lib)
        .assert()
        .success();
    podsim()
        .arg("validate")
        .arg(run("broken"))
        .arg("-f")
        .arg(&lib)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "taskRef \"broken\" names a definition that cannot be read: ",
        ))
        .stderr(predicate::str::contains(
            "broken.yaml:5:3: spec.stepz: unknown field `stepz`",
        ));
}
