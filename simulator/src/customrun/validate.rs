//! The admission checks Tekton's webhook applies to a CustomRun's spec.

use super::model::CustomRun;

/// Why a CustomRun is invalid (the first problem found, as Tekton's webhook reports one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    /// Both `customRef` and `customSpec`.
    #[error("expected exactly one, got both: spec.customRef, spec.customSpec")]
    Both,
    /// Neither `customRef` nor `customSpec`.
    #[error("expected exactly one, got neither: spec.customRef, spec.customSpec")]
    Neither,
    /// An empty required field.
    #[error("missing field(s): {0}")]
    Missing(&'static str),
    /// `statusMessage` without `status`.
    #[error("invalid value: statusMessage should not be set if status is not set: statusMessage")]
    MessageWithoutStatus,
    /// `spec.status` other than `RunCancelled`.
    #[error("invalid value: {0:?}: spec.status (only RunCancelled)")]
    SpecStatus(String),
    /// A parameter name given twice.
    #[error("parameter names must be unique, {0:?} is repeated: spec.params")]
    DuplicateParam(String),
    /// A timeout that is not a Go duration.
    #[error("invalid value: {0}: spec.timeout")]
    Timeout(String),
}

/// Checks `run` as Tekton's admission webhook does: exactly one of
/// `customRef`/`customSpec`, non-empty `apiVersion` and `kind` in it,
/// `statusMessage` only with `status`, unique parameter names, and (ours) a
/// parseable `timeout`. Returns the first problem.
pub fn validate(run: &CustomRun) -> Result<(), Invalid> {
    let spec = &run.spec;
    match (&spec.custom_ref, &spec.custom_spec) {
        (Some(_), Some(_)) => return Err(Invalid::Both),
        (None, None) => return Err(Invalid::Neither),
        (Some(r), None) => {
            if r.api_version.is_empty() {
                return Err(Invalid::Missing("spec.customRef.apiVersion"));
            }
            if r.kind.is_empty() {
                return Err(Invalid::Missing("spec.customRef.kind"));
            }
        }
        (None, Some(s)) => {
            if s.api_version.is_empty() {
                return Err(Invalid::Missing("spec.customSpec.apiVersion"));
            }
            if s.kind.is_empty() {
                return Err(Invalid::Missing("spec.customSpec.kind"));
            }
        }
    }
    if spec.status.is_empty() && !spec.status_message.is_empty() {
        return Err(Invalid::MessageWithoutStatus);
    }
    if !spec.status.is_empty() && !run.is_cancelled() {
        return Err(Invalid::SpecStatus(spec.status.clone()));
    }
    let mut seen = std::collections::HashSet::new();
    for param in &spec.params {
        if !seen.insert(param.name.as_str()) {
            return Err(Invalid::DuplicateParam(param.name.clone()));
        }
    }
    if let Some(timeout) = &spec.timeout {
        crate::duration::parse_go_duration(timeout).map_err(|e| Invalid::Timeout(e.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customrun::model::{EmbeddedCustomRunSpec, TaskRef};

    fn with_ref(api: &str, kind: &str) -> CustomRun {
        let mut run = CustomRun::default();
        run.spec.custom_ref = Some(TaskRef {
            api_version: api.into(),
            kind: kind.into(),
            name: String::new(),
        });
        run
    }

    #[test]
    fn ref_and_spec_are_exclusive_and_required() {
        let mut run = with_ref("a/v1", "K");
        assert_eq!(validate(&run), Ok(()));
        run.spec.custom_spec = Some(EmbeddedCustomRunSpec::default());
        assert_eq!(validate(&run), Err(Invalid::Both));
        assert_eq!(validate(&CustomRun::default()), Err(Invalid::Neither));
    }

    #[test]
    fn empty_api_version_or_kind_is_rejected() {
        assert_eq!(
            validate(&with_ref("", "K")),
            Err(Invalid::Missing("spec.customRef.apiVersion"))
        );
        assert_eq!(
            validate(&with_ref("a/v1", "")),
            Err(Invalid::Missing("spec.customRef.kind"))
        );
    }

    #[test]
    fn status_message_needs_status() {
        let mut run = with_ref("a/v1", "K");
        run.spec.status_message = "why".into();
        assert_eq!(validate(&run), Err(Invalid::MessageWithoutStatus));
        run.spec.status = "RunCancelled".into();
        assert_eq!(validate(&run), Ok(()));
        run.spec.timeout = Some("soon".into());
        assert!(matches!(validate(&run), Err(Invalid::Timeout(_))));
    }
}
