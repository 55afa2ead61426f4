//! `matrix` fan-out: black-box runs through `podsim`, and the combinations
//! of [`fan_out`] as properties.

mod common;

use common::{pipeline_status, podsim, run_json, tekton_example as example, write};
use predicates::prelude::*;
use proptest::prelude::*;
use simulator::tekton::model::{Matrix, Param, ParamValue};
use simulator::tekton::pipeline::matrix::{count, fan_out, task_runs, MAX_COMBINATIONS};
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
        .stdout(predicate::str::contains("[build-2/step-build] building linux/arm64 -static"))
        .stdout(predicate::str::contains("[build-3/step-build] building windows/arm64\n"))
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
        .stdout(predicate::str::contains("# pipeline task build combination 3\n---\n"))
        .stdout(predicate::str::contains("name: matrix-run-build-3-pod"))
        .stderr(predicate::str::contains(
            "pipeline task report: $(tasks.build.results.artifact[*]) only resolved by a run; left in",
        ));
}

/// An include entry with two values the matrix lacks: upstream's controller
/// counts two new TaskRuns for it, and the second gets no matrix params.
const MISCOUNT: &str = r#"
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: mc}
spec:
  pipelineSpec:
    tasks:
      - name: t
        matrix:
          params:
            - {name: os, value: [linux]}
            - {name: arch, value: [amd64]}
          include:
            - name: plan9-$(params.arch)
              params:
                - {name: os, value: plan9}
                - {name: arch, value: "386"}
        taskSpec:
          params: [{name: os}, {name: arch}]
          steps: [{name: s, image: busybox, script: "echo $(params.os)"}]
"#;

#[test]
fn an_include_with_two_new_values_makes_upstreams_extra_taskrun() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(&dir, "mc.yaml", MISCOUNT);
    podsim()
        .args(["validate"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains(
        "pipeline task \"t\": 2 matrix combinations, but upstream's controller creates 3 TaskRuns",
    ));
    let children = dir.path().join("children.json");
    let status = status(&[&file, "--child-statuses".as_ref(), &children], 1);
    assert_eq!(status["conditions"][0]["reason"], "Failed");
    let refs = status["childReferences"].as_array().expect("children");
    assert_eq!(refs.len(), 3);
    assert_eq!(
        refs[1]["displayName"], "plan9-386",
        "include name, substituted"
    );
    assert!(refs[0].get("displayName").is_none());
    let runs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&children).expect("children file"))
            .expect("JSON");
    let extra = &runs["mc-t-2"]["conditions"][0];
    assert_eq!(extra["reason"], "TaskRunValidationFailed");
    assert_eq!(
        extra["message"],
        "[User error] invalid input params for task mc-t-2: missing values for these params which have no default values: [os arch]"
    );
    assert_eq!(runs["mc-t-1"]["conditions"][0]["reason"], "Succeeded");
}

#[test]
fn a_pipeline_task_missing_a_param_fails_the_run_before_anything_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        &dir,
        "mp.yaml",
        r#"
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: mp}
spec:
  pipelineSpec:
    tasks:
      - name: first
        taskSpec:
          steps: [{name: s, image: busybox, script: "touch ran"}]
      - name: t
        params: [{name: n, value: [a]}]
        taskSpec:
          params: [{name: n}, {name: who}]
          steps: [{name: s, image: busybox, script: "echo $(params.who)"}]
"#,
    );
    let status = status(&[&file], 1);
    let condition = &status["conditions"][0];
    assert_eq!(condition["reason"], "PipelineValidationFailed");
    assert_eq!(
        condition["message"],
        "[User error] Validation failed for pipelinerun mp with error invalid input params for task : missing values for these params which have no default values: [who]"
    );
    assert!(status.get("childReferences").is_none(), "nothing ran");
    let validated = podsim()
        .arg("validate")
        .arg(&file)
        .output()
        .expect("podsim validate");
    assert_eq!(validated.status.code(), Some(2), "validate refuses it");
    let said = String::from_utf8_lossy(&validated.stderr);
    assert_eq!(
        said.lines().collect::<Vec<_>>(),
        ["podsim: the PipelineRun would fail before any task runs (PipelineValidationFailed): [User error] Validation failed for pipelinerun mp with error invalid input params for task : missing values for these params which have no default values: [who]"]
    );
    let typed = file.with_file_name("typed.yaml");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(
        &typed,
        text.replace("{name: who}", "{name: who, default: x}"),
    )
    .expect("write");
    let status = pipeline_status(run_json(1, |cmd| cmd.arg(&typed)));
    assert_eq!(
        status["conditions"][0]["message"],
        "[User error] Validation failed for pipelinerun mp with error invalid input params for task : param types don't match the user-specified type: [n]"
    );
}

#[test]
fn task_runs_follow_upstreams_count() {
    let string = |name: &str, v: &str| Param {
        name: name.into(),
        value: ParamValue::String(v.into()),
    };
    let include =
        |params: Vec<Param>| simulator::tekton::model::MatrixInclude { name: None, params };
    let values = |vs: &[&str]| vs.iter().map(|v| v.to_string()).collect::<Vec<_>>();
    let matrix = Matrix {
        params: vec![
            array("os", &values(&["linux", "mac"])),
            array("arch", &values(&["amd64"])),
        ],
        include: vec![
            include(vec![string("os", "linux"), string("flags", "-s")]),
            include(vec![string("os", "plan9"), string("arch", "amd64")]),
        ],
    };
    let vars = Vars::default();
    // The second entry shares `arch: amd64`, so it is no new combination,
    // but upstream's count adds one for `os: plan9` before it reaches arch.
    assert_eq!(fan_out(&matrix, &vars).expect("fan out").len(), 2);
    assert_eq!(count(&matrix, &vars), 3);
    let runs = task_runs(&matrix, &vars).expect("task runs");
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0].get("flags").map(String::as_str), Some("-s"));
    assert!(runs[2].is_empty(), "the extra TaskRun has no matrix params");
}

#[test]
fn an_array_index_past_the_end_fails_the_run_before_anything_runs() {
    let file = common::workspace_root().join("conformance/tekton/array-index.yaml");
    let status = status(&[&file], 1);
    let condition = &status["conditions"][0];
    assert_eq!(condition["reason"], "ParamArrayIndexingInvalid");
    assert_eq!(
        condition["message"],
        "[User error] PipelineRun default/array-index failed validation: failed to validate Pipeline default/array-index's parameter which has an invalid index while referring to an array: non-existent param references:[$(params.list[5])]"
    );
    assert!(status.get("childReferences").is_none(), "nothing ran");
    podsim()
        .arg("validate")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "podsim: the PipelineRun would fail before any task runs (ParamArrayIndexingInvalid)",
        ));
}
