//! Properties of Pod runs over random step counts, failure positions,
//! onError settings and sidecar readiness delays, with the real entrypoint.

mod common;

use std::fmt::Write as _;

use proptest::prelude::*;
use simulator::plan;
use simulator::render::RenderOptions;

#[derive(Debug, Clone)]
struct StepCase {
    exit: i32,
    on_error: Option<&'static str>,
}

fn step_case() -> impl Strategy<Value = StepCase> {
    (
        prop_oneof![3 => Just(0), 1 => 1..=5i32],
        prop_oneof![
            Just(None),
            Just(Some("continue")),
            Just(Some("stopAndFail"))
        ],
    )
        .prop_map(|(exit, on_error)| StepCase { exit, on_error })
}

/// Each step checks, before doing anything, that what it waits for exists:
/// the previous post file, or for step 0 the READY file and every sidecar's
/// readiness marker. A violation exits 99 and says ORDER-VIOLATION.
fn scenario_text(steps: &[StepCase], sidecar_delays_ms: &[u64]) -> String {
    let mut text = String::from("name: prop\nvolumes: [{name: shared}]\nsidecars:\n");
    if sidecar_delays_ms.is_empty() {
        text = String::from("name: prop\nvolumes: [{name: shared}]\n");
    }
    for (s, delay) in sidecar_delays_ms.iter().enumerate() {
        let _ = write!(
            text,
            "  - name: side{s}\n    script: |\n      sleep {secs}\n      touch /shared/ready-{s}\n      exec sleep 60\n    volumeMounts: [{{name: shared, mountPath: /shared}}]\n    readinessProbe: {{file: /shared/ready-{s}, period: 10ms}}\n",
            secs = *delay as f64 / 1000.0
        );
    }
    text.push_str("steps:\n");
    for (i, step) in steps.iter().enumerate() {
        let mut checks = Vec::new();
        if i > 0 {
            checks.push(format!("test -e /tekton/run/{}/out", i - 1));
        } else if !sidecar_delays_ms.is_empty() {
            checks.push("test -s /tekton/downward/ready".to_string());
            for s in 0..sidecar_delays_ms.len() {
                checks.push(format!("test -e /shared/ready-{s}"));
            }
        }
        checks.push("true".to_string());
        let _ = write!(
            text,
            "  - name: s{i}\n    command: [sh, -c, '{} || {{ echo ORDER-VIOLATION; exit 99; }}; exit {}']\n    volumeMounts: [{{name: shared, mountPath: /shared}}]\n",
            checks.join(" && "),
            step.exit
        );
        if let Some(on_error) = step.on_error {
            let _ = writeln!(text, "    onError: {on_error}");
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn runs_follow_pod_semantics(
        steps in prop::collection::vec(step_case(), 1..=6),
        sidecar_delays_ms in prop::collection::vec(0u64..=120, 0..=2),
    ) {
        let scenario = common::scenario(&scenario_text(&steps, &sidecar_delays_ms));
        simulator::validate::validate(&scenario).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let plan = plan::from_scenario(&scenario, &RenderOptions::default());
        let base = common::base_dir();
        let report = common::run_in(&plan, base.path(), true, true);
        let pod_dir = &report.kept[0];

        for log in &report.logs {
            prop_assert!(!log.text.contains("ORDER-VIOLATION"), "{} started too early", log.container);
        }
        let mut failed = false;
        for (i, (case, state)) in steps.iter().zip(&report.status.steps).enumerate() {
            // Exactly one terminal state, and exactly one post file.
            let t = state.terminated.as_ref().ok_or_else(|| TestCaseError::fail(format!("step {i} has no terminal state")))?;
            let run_dir = pod_dir.join(format!("volumes/tekton-internal-run-{i}"));
            let (out, err) = (run_dir.join("out").exists(), run_dir.join("out.err").exists());
            prop_assert!(out != err, "step {i}: out={out} out.err={err}");
            let (reason, exit_code, post_err) = if failed {
                ("Skipped", 1, true)
            } else if case.exit == 0 {
                ("Completed", 0, false)
            } else if case.on_error == Some("continue") {
                ("Continued", case.exit, false)
            } else {
                failed = true;
                ("Error", case.exit, true)
            };
            prop_assert_eq!(t.reason.as_str(), reason, "step {}", i);
            prop_assert_eq!(t.exit_code, exit_code, "step {}", i);
            prop_assert_eq!(err, post_err, "step {}", i);
        }
        let condition = &report.status.conditions[0];
        prop_assert_eq!(condition.status.as_str(), if failed { "False" } else { "True" });
        prop_assert_eq!(condition.reason.as_str(), if failed { "Failed" } else { "Succeeded" });
        prop_assert!(report.status.sidecars.iter().all(|s| s.ready));
    }
}
