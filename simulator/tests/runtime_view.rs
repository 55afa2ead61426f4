//! The live view is causal: over many runs, no step is shown ended before
//! it was shown running, steps are shown ended in the order they really
//! ended (each waits on the one before), and every end shown agrees with
//! the status.

mod common;

use simulator::plan::RunPlan;
use simulator::runtime::controller::{Controller, Observer, RunOptions, State};

#[derive(Default)]
struct Record(Vec<(String, State)>);

impl Observer for Record {
    fn state(&mut self, container: &str, state: &State) {
        self.0.push((container.to_string(), state.clone()));
    }
}

fn check_run(plan: &RunPlan, base: &std::path::Path) {
    let mut options = RunOptions::new(common::entrypoint());
    options.base_dir = base.to_path_buf();
    let mut record = Record::default();
    let report = Controller::new(options)
        .run(plan, &mut record)
        .unwrap_or_else(|e| panic!("{e}"));
    let steps: Vec<&str> = plan.steps.iter().map(|s| s.container.as_str()).collect();
    let ended: Vec<&str> = record
        .0
        .iter()
        .filter(|(c, s)| steps.contains(&c.as_str()) && matches!(s, State::Ended { .. }))
        .map(|(c, _)| c.as_str())
        .collect();
    assert_eq!(ended, steps, "ends out of order: {:?}", record.0);
    for step in &steps {
        let running = record
            .0
            .iter()
            .position(|(c, s)| c == step && *s == State::Running);
        let end = record
            .0
            .iter()
            .position(|(c, s)| c == step && matches!(s, State::Ended { .. }));
        assert!(
            running.is_some() && running < end,
            "{step} not shown running before its end: {:?}",
            record.0
        );
    }
    for status in &report.status.steps {
        let t = status.terminated.as_ref().expect("every step ended");
        let shown = record.0.iter().find_map(|(c, s)| match s {
            State::Ended { reason, exit_code } if *c == status.container => {
                Some((reason.clone(), *exit_code))
            }
            _ => None,
        });
        assert_eq!(
            shown,
            Some((t.reason.clone(), t.exit_code)),
            "{}",
            status.container
        );
    }
}

#[test]
fn ordered_steps_are_shown_in_causal_order_every_time() {
    let plan = common::plan_file(&common::examples_dir().join("ordered-steps.yaml"));
    let base = tempfile::tempdir().expect("temp dir");
    for _ in 0..25 {
        check_run(&plan, base.path());
    }
}

#[test]
fn a_chain_of_instant_steps_is_shown_in_causal_order_every_time() {
    let mut text = String::from("name: chain\nsteps:\n");
    for i in 0..8 {
        text.push_str(&format!("  - name: s{i}\n    command: [\"true\"]\n"));
    }
    let plan = simulator::plan::from_scenario(
        &common::scenario(&text),
        &simulator::render::RenderOptions::default(),
    );
    let base = tempfile::tempdir().expect("temp dir");
    for _ in 0..15 {
        check_run(&plan, base.path());
    }
}
