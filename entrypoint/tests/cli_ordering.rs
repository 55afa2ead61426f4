//! Black-box tests of step ordering: wrapped steps started at the same moment,
//! wired the way the controller wires a Pod, run strictly one after the other;
//! a failure makes every later step skip.

mod common;

use common::*;
use std::path::Path;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// Starts `n` pod-wired steps, last first, so later steps are already waiting
/// when earlier ones begin. Step `i` runs `script(i)`.
fn start_steps(sb: &Sandbox, n: usize, script: impl Fn(usize) -> String) -> Vec<Child> {
    let mut children: Vec<(usize, Child)> = (0..n)
        .rev()
        .map(|i| {
            let child = sb
                .pod_step(i)
                .sh(&script(i))
                .spawn(&sb.path(&format!("stderr-{i}")));
            (i, child)
        })
        .collect();
    children.sort_by_key(|(i, _)| *i);
    children.into_iter().map(|(_, c)| c).collect()
}

fn wait_all(children: &mut [Child]) -> Vec<ExitStatus> {
    children.iter_mut().map(wait_child).collect()
}

/// A script that records its start, lingers a little so an out-of-order
/// successor would overtake it, then records its end.
fn logging_script(log: &Path, i: usize, exit: i32) -> String {
    format!(
        "echo start-{i} >> {log}; sleep 0.2; echo end-{i} >> {log}; exit {exit}",
        log = log.display()
    )
}

fn assert_in_order(sb: &Sandbox, n: usize) {
    let log = sb.path("log");
    let mut children = start_steps(sb, n, |i| logging_script(&log, i, 0));
    let st = wait_all(&mut children);
    for (i, s) in st.iter().enumerate() {
        assert!(
            s.success(),
            "step {i} failed: {s}; stderr: {:?}",
            read_opt(&sb.path(&format!("stderr-{i}")))
        );
        assert!(sb.post(i).exists(), "step {i} post file missing");
    }
    let expected: Vec<String> = (0..n)
        .flat_map(|i| [format!("start-{i}"), format!("end-{i}")])
        .collect();
    let got: Vec<String> = read_opt(&log).unwrap().lines().map(String::from).collect();
    assert_eq!(got, expected);
}

#[test]
fn two_steps_started_together_run_in_order() {
    assert_in_order(&Sandbox::new(), 2);
}

#[test]
fn three_steps_started_together_run_in_order() {
    assert_in_order(&Sandbox::new(), 3);
}

#[test]
fn three_step_chain_finishes_within_ten_seconds() {
    let sb = Sandbox::new();
    let started = Instant::now();
    let mut children = start_steps(&sb, 3, |_| "true".to_string());
    let st = wait_all(&mut children);
    assert!(st.iter().all(|s| s.success()), "{st:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn twenty_step_chain_hands_off_without_one_second_polling() {
    // Upstream polls once a second (tektoncd/pipeline#1570): 20 no-op steps
    // take ~19 s there. Event-driven hand-off must stay far below; the bound
    // is generous so only polling (or a hang) can break it.
    let sb = Sandbox::new();
    let log = sb.path("log");
    let started = Instant::now();
    let mut children = start_steps(&sb, 20, |i| format!("echo {i} >> {}", log.display()));
    let st = wait_all(&mut children);
    let elapsed = started.elapsed();
    assert!(st.iter().all(|s| s.success()), "{st:?}");
    let got: Vec<String> = read_opt(&log).unwrap().lines().map(String::from).collect();
    let expected: Vec<String> = (0..20).map(|i| i.to_string()).collect();
    assert_eq!(got, expected);
    assert!(
        elapsed < Duration::from_secs(10),
        "20-step chain took {elapsed:?}"
    );
}

fn assert_failure_skips_rest(n: usize) {
    let sb = Sandbox::new();
    let log = sb.path("log");
    let mut children = start_steps(&sb, n, |i| {
        if i == 0 {
            logging_script(&log, 0, 3)
        } else {
            logging_script(&log, i, 0)
        }
    });
    let st = wait_all(&mut children);
    assert_eq!(st[0].code(), Some(3), "failing step's status");
    assert!(err_file(&sb.post(0)).exists());
    for (i, s) in st.iter().enumerate().skip(1) {
        assert_eq!(s.code(), Some(1), "skipped step {i} status");
        assert!(err_file(&sb.post(i)).exists(), "step {i} has no .err");
        assert!(!sb.post(i).exists(), "step {i} has a plain post file");
        let entries = read_message(&sb.pod_term(i));
        assert_entry(&entries, "Reason", "Skipped", 3);
    }
    assert_eq!(
        read_opt(&log).unwrap(),
        "start-0\nend-0\n",
        "a skipped step ran"
    );
}

#[test]
fn failure_in_step_one_skips_the_second_of_two() {
    assert_failure_skips_rest(2);
}

#[test]
fn failure_in_step_one_skips_steps_two_and_three() {
    assert_failure_skips_rest(3);
}

#[test]
fn failure_ignored_with_on_error_continue_lets_next_step_run() {
    let sb = Sandbox::new();
    let log = sb.path("log");
    let mut second = sb
        .pod_step(1)
        .sh(&format!("echo second >> {}", log.display()))
        .spawn(&sb.path("stderr-1"));
    let mut first = sb
        .pod_step(0)
        .on_error("continue")
        .sh(&format!("echo first >> {}; exit 6", log.display()))
        .spawn(&sb.path("stderr-0"));
    assert_eq!(wait_child(&mut first).code(), Some(0));
    assert_eq!(wait_child(&mut second).code(), Some(0));
    assert_eq!(read_opt(&log).unwrap(), "first\nsecond\n");
    assert_eq!(
        read_opt(&sb.tekton("run/0/status/exitCode")).as_deref(),
        Some("6")
    );
}

#[test]
fn timeout_in_step_one_skips_step_two() {
    let sb = Sandbox::new();
    let marker = sb.path("second-ran");
    let mut second = sb
        .pod_step(1)
        .sh(&format!("touch {}", marker.display()))
        .spawn(&sb.path("stderr-1"));
    let mut first = sb
        .pod_step(0)
        .timeout("200ms")
        .sh("sleep 30")
        .spawn(&sb.path("stderr-0"));
    assert_eq!(wait_child(&mut first).code(), Some(1));
    assert_eq!(wait_child(&mut second).code(), Some(1));
    assert!(!marker.exists());
    assert!(err_file(&sb.post(1)).exists());
}

#[test]
fn chain_works_without_inotify() {
    // The polling fallback (no inotify instance available) keeps the same semantics.
    let sb = Sandbox::new();
    let log = sb.path("order");
    let mut children = Vec::new();
    for i in (0..4).rev() {
        let step = sb
            .pod_step(i)
            .env("ENTRYPOINT_DISABLE_INOTIFY", "1")
            .sh(&format!("echo {i} >> {}", log.display()));
        children.push(step.spawn(&sb.path(&format!("stderr-{i}"))));
    }
    for mut child in children {
        assert!(wait_child(&mut child).success());
    }
    assert_eq!(read_opt(&log).as_deref(), Some("0\n1\n2\n3\n"));
}
