//! The backend-independent outcome of a run: what a snapshot records.
//!
//! Derived from a TaskRun-shaped status (the simulator's
//! [`simulator::status::RunStatus`], which every backend fills) and each
//! step's output. Timestamps, ids, Pod names and condition messages are left
//! out. The order steps started and ended is kept as facts that do not depend
//! on timer resolution: for every step that started, the steps that had ended
//! before it started (`after`), judged with [`HANDOFF_SLACK`].

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use simulator::status::{ResultValue, RunStatus, StepState};

use crate::timestamp;

/// How much later than a step's recorded start an earlier-started step's
/// container may be reported as ended and still count as "ended before": a
/// runtime records the exit after the entrypoint wrote its post file, which
/// is what lets the next step start. Scenarios keep the ends of concurrent
/// steps further apart than this from each other's starts.
pub const HANDOFF_SLACK: Duration = Duration::from_millis(300);

/// The normalised outcome of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The `Succeeded` condition (`True`/`False`, and its reason).
    pub condition: ConditionOutcome,
    /// Reasons of the earlier failed attempts, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retries: Vec<String>,
    /// The steps of the last attempt, in Pod order.
    pub steps: Vec<StepOutcome>,
    /// The sidecars of the last attempt.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sidecars: Vec<SidecarOutcome>,
    /// Task results.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub results: BTreeMap<String, serde_json::Value>,
}

/// The run's condition, without message or time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConditionOutcome {
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// `Succeeded`, `Failed`, `TaskRunTimeout`, `TaskRunCancelled`...
    pub reason: String,
}

/// One step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepOutcome {
    /// Step name.
    pub name: String,
    /// Terminal reason; `null` when the container never terminated.
    pub reason: Option<String>,
    /// Exit code as the status reports it; `null` when not terminated.
    pub exit_code: Option<i32>,
    /// Steps that had ended before this one started (Pod order); `null`
    /// when it never recorded a start.
    pub after: Option<Vec<String>>,
    /// Step results.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub results: BTreeMap<String, serde_json::Value>,
    /// What the command printed (stdout and stderr), without the wrapper's
    /// own diagnostics; trailing whitespace trimmed.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub output: String,
}

/// One sidecar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SidecarOutcome {
    /// Sidecar name.
    pub name: String,
    /// Whether it became ready.
    pub ready: bool,
    /// Whether it had ended (or was stopped) when the run was over.
    pub stopped: bool,
}

/// Reduces `status` and the last attempt's container output `logs` (keyed
/// by container name) to an [`Outcome`]. Never fails: unparsable times make
/// `after` empty or `null`, missing logs an empty output.
pub fn normalise(status: &RunStatus, logs: &BTreeMap<String, String>) -> Outcome {
    let condition = status.conditions.first();
    let times: Vec<(Option<SystemTime>, Option<SystemTime>)> =
        status.steps.iter().map(times_of).collect();
    let steps = status
        .steps
        .iter()
        .enumerate()
        .map(|(j, step)| {
            let after = times[j].0.map(|start| {
                status
                    .steps
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| ended_before(*i, j, &times, start))
                    .map(|(_, other)| other.name.clone())
                    .collect()
            });
            StepOutcome {
                name: step.name.clone(),
                reason: step.terminated.as_ref().map(|t| t.reason.clone()),
                exit_code: step.terminated.as_ref().map(|t| t.exit_code),
                after,
                results: result_map(&step.results),
                output: clean_output(
                    logs.get(&step.container)
                        .map(String::as_str)
                        .unwrap_or_default(),
                ),
            }
        })
        .collect();
    Outcome {
        condition: ConditionOutcome {
            status: condition
                .map_or("Unknown", |c| c.status.as_str())
                .to_string(),
            reason: condition
                .map_or("Unknown", |c| c.reason.as_str())
                .to_string(),
        },
        retries: status
            .retries_status
            .iter()
            .map(|r| r.reason().to_string())
            .collect(),
        steps,
        sidecars: status
            .sidecars
            .iter()
            .map(|s| SidecarOutcome {
                name: s.name.clone(),
                ready: s.ready,
                stopped: s.terminated.is_some(),
            })
            .collect(),
        results: result_map(&status.results),
    }
}

/// (recorded start, reported end) of a step.
fn times_of(step: &StepState) -> (Option<SystemTime>, Option<SystemTime>) {
    let terminated = step.terminated.as_ref();
    let parse = |t: Option<&str>| t.and_then(timestamp::parse);
    (
        parse(terminated.and_then(|t| t.started_at.as_deref())),
        parse(terminated.and_then(|t| t.finished_at.as_deref())),
    )
}

/// Whether step `i` had ended before step `j` (which started at `start`)
/// started: `i` started first (ties broken by Pod order, as in a chain of
/// skips that all start within one millisecond) and its end is reported no
/// later than [`HANDOFF_SLACK`] after `j`'s start.
fn ended_before(
    i: usize,
    j: usize,
    times: &[(Option<SystemTime>, Option<SystemTime>)],
    start: SystemTime,
) -> bool {
    let (Some(i_start), Some(i_end)) = times[i] else {
        return false;
    };
    i != j && (i_start, i) < (start, j) && i_end <= start + HANDOFF_SLACK
}

fn result_map(results: &[ResultValue]) -> BTreeMap<String, serde_json::Value> {
    results
        .iter()
        .map(|r| (r.name.clone(), r.value.clone()))
        .collect()
}

/// Drops the wrappers' own diagnostics and trailing whitespace; the
/// command's output is kept byte for byte otherwise.
///
/// A wrapper line is one that starts the way only the wrappers start theirs:
/// `entrypoint: ` (ours), a Go `log` timestamp `YYYY/MM/DD HH:MM:SS `
/// (upstream's `log` and `slog` lines: `... Skipping step because a previous
/// step failed`, `... INFO Step was canceling`), or `{"level":` (upstream's
/// zap records). Catalog commands never print lines of these shapes, so
/// nothing a step printed itself is dropped.
pub fn clean_output(text: &str) -> String {
    let kept: Vec<&str> = text.lines().filter(|line| !is_wrapper_line(line)).collect();
    kept.join("\n").trim_end().to_string()
}

/// Whether `line` is one of the wrappers' own diagnostics (see [`clean_output`]).
pub fn is_wrapper_line(line: &str) -> bool {
    line.starts_with("entrypoint: ") || line.starts_with("{\"level\":") || has_go_log_prefix(line)
}

/// `YYYY/MM/DD HH:MM:SS ` (Go's `log.LstdFlags`).
fn has_go_log_prefix(line: &str) -> bool {
    let b = line.as_bytes();
    const SHAPE: &[u8] = b"dddd/dd/dd dd:dd:dd ";
    b.len() >= SHAPE.len()
        && SHAPE.iter().zip(b).all(|(want, got)| match want {
            b'd' => got.is_ascii_digit(),
            other => other == got,
        })
}

impl Outcome {
    /// The YAML text a snapshot holds.
    pub fn to_yaml(&self) -> String {
        serde_norway::to_string(self)
            .unwrap_or_else(|e| format!("# cannot serialise the outcome: {e}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use simulator::status::{Condition, Terminated};

    fn step(name: &str, start: Option<&str>, end: &str) -> StepState {
        StepState {
            name: name.to_string(),
            container: format!("step-{name}"),
            terminated: Some(Terminated {
                exit_code: 0,
                reason: "Completed".to_string(),
                started_at: start.map(str::to_string),
                finished_at: Some(end.to_string()),
            }),
            results: Vec::new(),
        }
    }

    fn status(steps: Vec<StepState>) -> RunStatus {
        RunStatus {
            conditions: vec![Condition {
                kind: "Succeeded".to_string(),
                status: "True".to_string(),
                reason: "Succeeded".to_string(),
                message: "x".to_string(),
                last_transition_time: None,
            }],
            pod_name: "p".to_string(),
            start_time: None,
            completion_time: None,
            steps,
            sidecars: Vec::new(),
            results: Vec::new(),
            retries_status: Vec::new(),
        }
    }

    #[test]
    fn after_tolerates_a_late_reported_exit_but_not_concurrency() {
        let s = status(vec![
            step(
                "a",
                Some("2024-01-01T00:00:00.000Z"),
                "2024-01-01T00:00:02.000Z",
            ),
            step(
                "b",
                Some("2024-01-01T00:00:00.010Z"),
                "2024-01-01T00:00:04.000Z",
            ),
            // c's start is recorded 50 ms before b's exit is: b still counts.
            step(
                "c",
                Some("2024-01-01T00:00:03.950Z"),
                "2024-01-01T00:00:04.100Z",
            ),
            step("d", None, "2024-01-01T00:00:05Z"),
            // e and f: a fast chain where f ends within the slack of e's start.
            step(
                "e",
                Some("2024-01-01T00:00:05.000Z"),
                "2024-01-01T00:00:05.004Z",
            ),
            step(
                "f",
                Some("2024-01-01T00:00:05.005Z"),
                "2024-01-01T00:00:05.009Z",
            ),
        ]);
        let o = normalise(&s, &BTreeMap::new());
        assert_eq!(o.steps[0].after, Some(vec![]));
        assert_eq!(o.steps[1].after, Some(vec![]));
        assert_eq!(
            o.steps[2].after,
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(o.steps[3].after, None);
        assert_eq!(
            o.steps[4].after,
            Some(vec!["a".to_string(), "b".to_string(), "c".to_string()])
        );
        assert_eq!(
            o.steps[5].after,
            Some(vec![
                "a".to_string(),
                "b".to_string(),
                "c".to_string(),
                "e".to_string()
            ])
        );
    }

    #[test]
    fn output_drops_wrapper_lines() {
        let text = "one\nentrypoint: the step was cancelled\n{\"level\":\"info\"}\ntwo\n\n";
        assert_eq!(clean_output(text), "one\ntwo");
    }

    #[test]
    fn output_drops_upstream_go_log_lines_and_nothing_else() {
        let text = "2026/12/01 22:05:28 Skipping step because a previous step failed\n\
                    out 2026/12/01 22:05:28 x\n\
                    2026/12/01 22:06:18 INFO Step was canceling\n\
                    2026/12/01 not a log line\n\
                    2026-12-01 22:05:28 not one either";
        assert_eq!(
            clean_output(text),
            "out 2026/12/01 22:05:28 x\n2026/12/01 not a log line\n2026-12-01 22:05:28 not one either"
        );
    }
}
