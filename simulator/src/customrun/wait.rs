//! The built-in `Wait` custom task (`wait.testing.tekton.dev/v1beta1`,
//! kind `Wait`): waits for the Go duration in param `duration`. It supports
//! timeouts (per try), retries and cancellation, so every rule of the
//! contract can be seen without writing a runner.

use super::control::Control;
use super::model::{CustomRun, CustomRunStatus};
use super::registry::Runner;
use super::tries::{self, TryEnd};

/// apiVersion of the Wait task.
pub const API_VERSION: &str = "wait.testing.tekton.dev/v1beta1";
/// kind of the Wait task.
pub const KIND: &str = "Wait";

/// The Wait task.
#[derive(Debug, Default, Clone, Copy)]
pub struct Wait;

impl Runner for Wait {
    fn execute(&self, run: &CustomRun, control: &Control) -> Option<CustomRunStatus> {
        let timeout = run
            .spec
            .timeout
            .as_deref()
            .and_then(|t| crate::duration::parse_go_duration(t).ok());
        let duration = match run.param("duration") {
            None => Err((
                "MissingDuration",
                "the duration param is required".to_string(),
            )),
            Some(text) => crate::duration::parse_go_duration(text)
                .map_err(|e| ("InvalidDuration", e.to_string())),
        };
        Some(tries::drive(
            run,
            timeout,
            control,
            |attempt| match &duration {
                Err((reason, message)) => TryEnd::Rejected {
                    reason: reason.to_string(),
                    message: message.clone(),
                },
                Ok(duration) => attempt.sleep(*duration).unwrap_or(TryEnd::Succeeded {
                    reason: "DurationElapsed".to_string(),
                    message: format!("{} elapsed", humantime::format_duration(*duration)),
                    results: Vec::new(),
                }),
            },
        ))
    }
}
