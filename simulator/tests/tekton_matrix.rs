//! `matrix` fan-out: black-box runs through `podsim`, and the combinations
//! of [`fan_out`] as properties.

mod common;

use common::{pipeline_status, podsim, run_json, tekton_example as example, write};
use predicates::prelude::*;
use proptest::prelude::*;
use simulator::tekton::model::{Matrix, Param, ParamValue};
use simulator::tekton::pipeline::matrix::{fan_out, MAX_COMBINATIONS};
use simulator::tekton::substitute::Vars;

fn status(args: &[&std::path::Path], code: i32) -> serde_json::Value {
    pipeline_status(run_json(code, |cmd| cmd.args(args)))
}

#[test]
fn the_example_fans_out_and_aggregates_results() {
    let file = example("matrix-pipelinerun.yaml");
    insta::assert_json_snapshot!(status(&[&file], 0));
    podsim()
        .args(["run", "-q", "--logs"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("[build-4/step-build] building plan9/386"))
        .stdout(predicate::str::contains(
            "[report/step-report] got app-linux-amd64\n[report/step-report] got app-windows-amd64\n[report/step-report] got app-linux-arm64",
        ));
}

const FAILING: &str = r#"
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: mx}
spec:
  pipelineSpec:
    tasks:
      - name: t
        matrix:
          params:
            - name: code
              value: ["0", "3"]
        taskSpec:
          params: [{name: code}]
          steps:
            - {name: s, image: busybox, script: "exit $(params.code)"}
      - name: after
        runAfter: [t]
        taskSpec:
          steps: [{name: s, image: busybox, script: "true"}]
    finally:
      - name: f
        params: [{name: st, value: $(tasks.t.status)}]
        taskSpec:
          params: [{name: st}]
          steps: [{name: s, image: busybox, script: "echo t=$(params.st)"}]
"#;

#[test]
fn one_failed_combination_fails_the_task_and_finally_sees_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(&dir, "mx.yaml", FAILING);
    insta::assert_json_snapshot!(status(&[&file], 1));
    podsim()
        .args(["run", "-q", "--logs"])
        .arg(&file)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("[f/step-s] t=Failed"));
}

#[test]
fn too_many_combinations_and_non_arrays_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let values: Vec<String> = (0..17).map(|i| format!("\"{i}\"")).collect();
    let list = values.join(", ");
    let big = format!(
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {{name: big}}\nspec:\n  pipelineSpec:\n    tasks:\n      - name: t\n        matrix:\n          params:\n            - {{name: a, value: [{list}]}}\n            - {{name: b, value: [{list}]}}\n        taskSpec:\n          params: [{{name: a}}, {{name: b}}]\n          steps: [{{name: s, image: busybox, script: 'true'}}]\n"
    );
    let file = write(&dir, "big.yaml", &big);
    podsim()
        .args(["run", "-q"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
        "pipeline task \"t\": matrix: 289 combinations exceed max-matrix-combinations-count (256)",
    ));
    let text = big.replace(
        &format!("value: [{list}]}}\n            - {{name: b, value: [{list}]}}"),
        "value: one}",
    );
    let file = write(&dir, "str.yaml", &text);
    podsim()
        .args(["run", "-q"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "matrix.params \"a\": must be an array of strings",
        ));
}

#[test]
fn an_empty_array_skips_the_task() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = FAILING.replace(r#"["0", "3"]"#, "[]");
    let file = write(&dir, "empty.yaml", &text);
    let s = status(&[&file], 0);
    assert_eq!(s["skippedTasks"][0]["name"], "t");
    assert_eq!(
        s["skippedTasks"][0]["reason"],
        "Matrix Parameters have an empty array"
    );
}

fn array(name: &str, values: &[String]) -> Param {
    Param {
        name: name.into(),
        value: ParamValue::Array(values.to_vec()),
    }
}

proptest! {
    /// Every element of the cartesian product appears exactly once.
    #[test]
    fn every_combination_exactly_once(
        sizes in proptest::collection::vec(1usize..5, 1..4)
    ) {
        let params: Vec<Param> = sizes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let values: Vec<String> = (0..*n).map(|v| format!("v{v}")).collect();
                array(&format!("p{i}"), &values)
            })
            .collect();
        let matrix = Matrix { params, include: Vec::new() };
        let combos = fan_out(&matrix, &Vars::default()).expect("fan out");
        let expected: usize = sizes.iter().product();
        prop_assert_eq!(combos.len(), expected);
        let unique: std::collections::BTreeSet<_> = combos.iter().collect();
        prop_assert_eq!(unique.len(), expected);
        prop_assert!(combos.iter().all(|c| c.len() == sizes.len()));
        prop_assert!(expected <= MAX_COMBINATIONS);
    }
}

#[test]
fn render_prints_one_pod_per_combination_and_names_result_references() {
    podsim()
        .arg("render")
        .arg(example("matrix-pipelinerun.yaml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("# pipeline task build combination 4\n---\n"))
        .stdout(predicate::str::contains("name: matrix-run-build-4-pod"))
        .stderr(predicate::str::contains(
            "pipeline task report: $(tasks.build.results.artifact[*]) only resolved by a run; left in",
        ));
}
