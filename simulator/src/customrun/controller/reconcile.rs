//! The controller's decisions as pure functions over objects: which
//! CustomRuns it claims, what one watch event asks of it, and the status
//! patch it writes. No I/O here, so every rule is tested without a cluster.

use serde_json::{Map, Value};

use crate::customrun::model::{CustomRun, CustomRunStatus};
use crate::customrun::registry::Registry;
use crate::customrun::validate::validate;

/// What one observed version of a CustomRun asks the controller to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Not ours, already final, or nothing new for a run in progress.
    Ignore,
    /// Start running it (no run of it is in progress here).
    Start,
    /// Forward `spec.status: RunCancelled` with this `statusMessage` to the run in progress.
    Cancel(String),
    /// It reached its final status: forget the run in progress.
    Forget,
}

/// Whether the controller serving `registry` owns `run`: a runner is
/// registered for its type, or it is invalid and names an apiVersion the
/// registry serves (Tekton's webhook would have refused it; without one
/// on the cluster, the controller reports it `CustomRunValidationFailed`).
pub fn claims(run: &CustomRun, registry: &Registry) -> bool {
    match run.task_type() {
        None => false,
        Some((api, kind)) => {
            registry.find(api, kind).is_some()
                || (validate(run).is_err() && registry.serves_api_version(api))
        }
    }
}

/// What to do about `run` as the watch shows it. `in_progress`: this
/// controller has a run of it going (started on an earlier event).
///
/// A claimed CustomRun without a final status and no run in progress is
/// started; that includes one left `Unknown` by an earlier controller
/// process, whose try then starts again from scratch. Cancellation is
/// forwarded on every event that shows it (the run's control keeps the
/// first request). A final status ends the bookkeeping.
pub fn decide(run: &CustomRun, registry: &Registry, in_progress: bool) -> Action {
    if !claims(run, registry) {
        return Action::Ignore;
    }
    let done = run.status.as_ref().is_some_and(CustomRunStatus::is_done);
    match (in_progress, done) {
        (_, true) => {
            if in_progress {
                Action::Forget
            } else {
                Action::Ignore
            }
        }
        (true, false) if run.is_cancelled() => Action::Cancel(run.spec.status_message.clone()),
        (true, false) => Action::Ignore,
        (false, false) => Action::Start,
    }
}

/// Reads a CustomRun from the JSON the API server returned; the error says
/// which field could not be read.
pub fn from_object(object: &Value) -> Result<CustomRun, String> {
    serde_path_to_error::deserialize(object).map_err(|e| format!("{}: {}", e.path(), e.inner()))
}

/// Status fields a merge patch must clear when the new status lacks them
/// (a retry drops `completionTime`, say).
const STATUS_FIELDS: &[&str] = &[
    "conditions",
    "observedGeneration",
    "startTime",
    "completionTime",
    "results",
    "retriesStatus",
    "extraFields",
];

/// The JSON merge patch (for the `status` subresource) that makes the
/// stored status equal to `status`: every field it lacks is set to null,
/// so nothing of an earlier status survives.
pub fn status_patch(status: &CustomRunStatus) -> Value {
    let mut fields = match serde_json::to_value(status) {
        Ok(Value::Object(fields)) => fields,
        _ => Map::new(),
    };
    for field in STATUS_FIELDS {
        fields.entry(*field).or_insert(Value::Null);
    }
    let mut patch = Map::new();
    patch.insert("status".to_string(), Value::Object(fields));
    Value::Object(patch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customrun::model::{TaskRef, SPEC_STATUS_CANCELLED};
    use serde_json::json;

    fn wait_run() -> CustomRun {
        from_object(&json!({
            "apiVersion": "tekton.dev/v1beta1", "kind": "CustomRun",
            "metadata": {"name": "w", "namespace": "default", "uid": "u1", "generation": 1,
                         "managedFields": [{"manager": "kubectl", "operation": "Update"}]},
            "spec": {"customRef": {"apiVersion": "wait.testing.tekton.dev/v1beta1", "kind": "Wait"},
                     "params": [{"name": "duration", "value": "1s"}]}
        }))
        .unwrap()
    }

    #[test]
    fn starts_a_claimed_run_once() {
        let registry = Registry::with_builtins();
        let run = wait_run();
        assert_eq!(decide(&run, &registry, false), Action::Start);
        assert_eq!(decide(&run, &registry, true), Action::Ignore);
    }

    #[test]
    fn ignores_other_types_and_final_runs() {
        let registry = Registry::with_builtins();
        let mut other = wait_run();
        other.spec.custom_ref = Some(TaskRef {
            api_version: "example.dev/v1".into(),
            kind: "Approval".into(),
            name: String::new(),
        });
        assert_eq!(decide(&other, &registry, false), Action::Ignore);
        let mut done = wait_run();
        done.status = Some(CustomRunStatus::failed("X", "y"));
        assert_eq!(decide(&done, &registry, false), Action::Ignore);
        assert_eq!(decide(&done, &registry, true), Action::Forget);
    }

    #[test]
    fn restarts_a_run_left_unknown() {
        let mut run = wait_run();
        let mut status = CustomRunStatus::default();
        status.mark("Unknown", "Running", "");
        run.status = Some(status);
        assert_eq!(
            decide(&run, &Registry::with_builtins(), false),
            Action::Start
        );
    }

    #[test]
    fn forwards_cancellation_to_a_run_in_progress() {
        let mut run = wait_run();
        run.spec.status = SPEC_STATUS_CANCELLED.into();
        run.spec.status_message = "stop".into();
        let registry = Registry::with_builtins();
        assert_eq!(decide(&run, &registry, true), Action::Cancel("stop".into()));
        // Created cancelled: started, and the run itself honours it at once.
        assert_eq!(decide(&run, &registry, false), Action::Start);
    }

    #[test]
    fn claims_invalid_runs_of_a_served_api_version() {
        let registry = Registry::with_builtins();
        let mut empty_kind = wait_run();
        if let Some(r) = empty_kind.spec.custom_ref.as_mut() {
            r.kind = String::new();
        }
        assert!(claims(&empty_kind, &registry));
        let mut foreign = empty_kind.clone();
        if let Some(r) = foreign.spec.custom_ref.as_mut() {
            r.api_version = "example.dev/v1".into();
        }
        assert!(!claims(&foreign, &registry));
        let mut neither = wait_run();
        neither.spec.custom_ref = None;
        assert!(!claims(&neither, &registry));
    }

    #[test]
    fn status_patch_clears_what_the_new_status_lacks() {
        let mut status = CustomRunStatus::default();
        status.mark("Unknown", "Running", "retrying");
        let patch = status_patch(&status);
        assert_eq!(patch["status"]["completionTime"], Value::Null);
        assert!(patch["status"]
            .as_object()
            .unwrap()
            .contains_key("completionTime"));
        assert_eq!(patch["status"]["conditions"][0]["status"], "Unknown");
        assert_eq!(patch["status"]["retriesStatus"], Value::Null);
    }

    #[test]
    fn unreadable_objects_name_the_field() {
        let err = from_object(&json!({"spec": {"retries": "two"}})).unwrap_err();
        assert!(err.starts_with("spec.retries"), "{err}");
    }
}
