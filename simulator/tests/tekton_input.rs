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
