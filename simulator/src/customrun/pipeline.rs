//! CustomRun children of PipelineRuns: [`RegistryTasks`] implements the
//! pipeline controller's [`CustomTasks`] seam with the runners of a
//! [`Registry`] (the built-in Wait task and the external runners of
//! `--custom-task` / `--custom-task-config`).
//!
//! A pipeline task becomes a CustomRun named `<pipelinerun>-<task>`: its
//! taskRef becomes `customRef`, its taskSpec `customSpec`, its params,
//! `retries` and `timeout` the CustomRun's. The pipeline controller's
//! cancellation (PipelineRun cancelled or timed out) is written as
//! `spec.status: RunCancelled` with its statusMessage.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::model::{CustomRun, CustomRunSpec, EmbeddedCustomRunSpec, Param, TaskRef};
use super::{run, Control, Registry};
use crate::status::ResultValue;
use crate::tekton::pipeline::custom::{
    CancelRequest, CustomRunOutcome, CustomRunRequest, CustomTasks,
};

/// Custom tasks run by the runners of a [`Registry`].
pub struct RegistryTasks {
    registry: Registry,
}

impl RegistryTasks {
    /// Custom tasks run by `registry`'s runners.
    pub fn new(registry: Registry) -> RegistryTasks {
        RegistryTasks { registry }
    }

    /// The built-in runners plus those of `config` and `flags` (later
    /// registrations of a type win). Fails with one line naming the flag or
    /// file at fault.
    pub fn from_options(flags: &[String], config: Option<&Path>) -> Result<RegistryTasks, String> {
        Registry::from_flags(Registry::with_builtins(), config, flags).map(RegistryTasks::new)
    }
}

/// The CustomRun a pipeline task becomes.
pub fn customrun_for(request: &CustomRunRequest) -> CustomRun {
    let (custom_ref, custom_spec) = match &request.spec {
        Some(spec) => (
            None,
            Some(EmbeddedCustomRunSpec {
                api_version: request.api_version.clone(),
                kind: request.kind.clone(),
                spec: spec.clone(),
                ..EmbeddedCustomRunSpec::default()
            }),
        ),
        None => (
            Some(TaskRef {
                api_version: request.api_version.clone(),
                kind: request.kind.clone(),
                name: request.reference.clone().unwrap_or_default(),
            }),
            None,
        ),
    };
    CustomRun {
        api_version: super::model::API_VERSION.to_string(),
        kind: "CustomRun".to_string(),
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some(request.name.clone()),
            ..Default::default()
        },
        spec: CustomRunSpec {
            custom_ref,
            custom_spec,
            params: request
                .params
                .iter()
                .map(|p| Param {
                    name: p.name.clone(),
                    value: serde_json::to_value(&p.value).unwrap_or_default(),
                })
                .collect(),
            retries: request.retries,
            timeout: request.timeout.clone(),
            ..CustomRunSpec::default()
        },
        status: None,
    }
}

impl CustomTasks for RegistryTasks {
    fn run(
        &self,
        request: &CustomRunRequest,
        cancel: Arc<CancelRequest>,
    ) -> Result<CustomRunOutcome, String> {
        if self
            .registry
            .find(&request.api_version, &request.kind)
            .is_none()
        {
            return Err(format!(
                "custom task {api}/{kind}: no runner registered (register one with --custom-task {api}/{kind}=CMD); on a cluster the CustomRun would stay without status",
                api = request.api_version,
                kind = request.kind
            ));
        }
        let customrun = customrun_for(request);
        let control = Control::new();
        let done = AtomicBool::new(false);
        let status = std::thread::scope(|scope| {
            scope.spawn(|| {
                while !done.load(Ordering::SeqCst) {
                    if let Some(message) = cancel.wait(Duration::from_millis(100)) {
                        control.cancel(&message);
                        return;
                    }
                }
            });
            let status = run(&customrun, &self.registry, &control);
            done.store(true, Ordering::SeqCst);
            status
        });
        let status = status.ok_or_else(|| {
            format!(
                "CustomRun {}: the runner never reported a status",
                request.name
            )
        })?;
        let condition = status.succeeded();
        Ok(CustomRunOutcome {
            succeeded: status.state() == Some("True"),
            reason: status.reason().to_string(),
            message: condition.map(|c| c.message.clone()).unwrap_or_default(),
            results: status
                .results
                .iter()
                .map(|r| ResultValue {
                    name: r.name.clone(),
                    kind: "string".to_string(),
                    value: serde_json::Value::String(r.value.clone()),
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(spec: Option<serde_json::Value>) -> CustomRunRequest {
        CustomRunRequest {
            name: "run-wait".into(),
            api_version: "wait.testing.tekton.dev/v1beta1".into(),
            kind: "Wait".into(),
            reference: None,
            spec,
            params: serde_norway::from_str("[{name: duration, value: 1s}]").unwrap(),
            retries: 2,
            timeout: Some("5s".into()),
        }
    }

    #[test]
    fn a_pipeline_task_becomes_a_customrun_with_its_retries_and_timeout() {
        let run = customrun_for(&request(None));
        assert_eq!(run.api_version, "tekton.dev/v1beta1");
        assert_eq!(run.metadata.name.as_deref(), Some("run-wait"));
        assert_eq!(run.spec.retries, 2);
        assert_eq!(run.spec.timeout.as_deref(), Some("5s"));
        assert_eq!(run.param("duration"), Some("1s"));
        assert_eq!(
            run.task_type(),
            Some(("wait.testing.tekton.dev/v1beta1", "Wait"))
        );
        assert!(run.spec.custom_spec.is_none());
        assert!(super::super::validate::validate(&run).is_ok());
    }

    #[test]
    fn an_embedded_task_spec_becomes_a_custom_spec() {
        let run = customrun_for(&request(Some(serde_json::json!({"x": 1}))));
        assert!(run.spec.custom_ref.is_none());
        let spec = run.spec.custom_spec.expect("customSpec");
        assert_eq!(spec.kind, "Wait");
        assert_eq!(spec.spec["x"], 1);
    }
}
