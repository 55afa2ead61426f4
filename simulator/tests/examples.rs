//! Every example runs with the real entrypoint; its normalised status is a
//! snapshot.

mod common;

fn run_example(file: &str) -> serde_json::Value {
    let plan = common::plan_file(&common::examples_dir().join(file));
    let base = common::base_dir();
    let report = common::run_in(&plan, base.path(), false, false);
    common::normalized(&report)
}

#[test]
fn ordered_steps() {
    insta::assert_yaml_snapshot!(run_example("ordered-steps.yaml"));
}

#[test]
fn sidecar_readiness() {
    insta::assert_yaml_snapshot!(run_example("sidecar-readiness.yaml"));
}

#[test]
fn failure_skip() {
    insta::assert_yaml_snapshot!(run_example("failure-skip.yaml"));
}

#[test]
fn on_error_continue() {
    insta::assert_yaml_snapshot!(run_example("on-error-continue.yaml"));
}

#[test]
fn timeout_with_retries() {
    insta::assert_yaml_snapshot!(run_example("timeout.yaml"));
}

#[test]
fn results() {
    insta::assert_yaml_snapshot!(run_example("results.yaml"));
}

#[test]
fn ordered_pod_manifest() {
    insta::assert_yaml_snapshot!(run_example("ordered-pod.yaml"));
}

#[test]
fn pod_directory_is_removed_unless_kept() {
    let plan = common::plan_file(&common::examples_dir().join("ordered-steps.yaml"));
    let base = common::base_dir();
    let report = common::run_in(&plan, base.path(), false, false);
    assert!(report.status.succeeded());
    assert_eq!(
        std::fs::read_dir(base.path()).expect("read base").count(),
        0
    );
    let kept = common::run_in(&plan, base.path(), true, false);
    assert_eq!(kept.kept.len(), 1);
    assert!(kept.kept[0]
        .join("volumes/tekton-internal-run-2/out")
        .exists());
}

#[test]
fn logs_are_collected_per_container() {
    let plan = common::plan_file(&common::examples_dir().join("ordered-steps.yaml"));
    let base = common::base_dir();
    let report = common::run_in(&plan, base.path(), false, true);
    let log = |name: &str| {
        report
            .logs
            .iter()
            .find(|l| l.container == name)
            .map(|l| l.text.clone())
            .unwrap_or_default()
    };
    assert_eq!(log("step-build"), "building v1.2.3\n");
    assert_eq!(log("step-test"), "built\n");
}
