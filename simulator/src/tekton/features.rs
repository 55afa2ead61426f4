//! Tekton's feature flags (the `feature-flags` ConfigMap of the
//! `tekton-pipelines` namespace), as upstream v1.0.0 names and defaults them.
//!
//! They come from a `ConfigMap` named `feature-flags` among the input files
//! (or in a `-f` directory) and from `--feature-flag NAME=VALUE`, which wins.
//! Every flag upstream v1.0.0 ships is known here with what podsim does with
//! it: honoured, without effect on a local run (accepted at any valid value),
//! or supported only at its default (any other value is an error naming the
//! flag, never silently ignored).

use std::collections::BTreeMap;

use entrypoint::when::{evaluate_cel, WhenError};

use super::model::When;

/// The flag that lets `when` expressions use CEL.
pub const CEL_IN_WHEN: &str = "enable-cel-in-whenexpression";

/// What podsim does with a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Treatment {
    /// podsim follows the flag.
    Honoured,
    /// Nothing a local run does depends on it.
    NoLocalEffect,
    /// podsim does not implement the non-default behaviour.
    DefaultOnly,
}

/// The values a flag takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Go's `strconv.ParseBool` spellings.
    Bool,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// Any string.
    Text,
}

use Kind::{Bool, OneOf, Text};
use Treatment::{DefaultOnly, Honoured, NoLocalEffect};

/// Upstream v1.0.0's flags: name, default, values, treatment.
const FLAGS: &[(&str, &str, Kind, Treatment)] = &[
    (CEL_IN_WHEN, "false", Bool, Honoured),
    (
        "coschedule",
        "workspaces",
        OneOf(&[
            "workspaces",
            "pipelineruns",
            "isolate-pipelinerun",
            "disabled",
        ]),
        NoLocalEffect,
    ),
    ("disable-creds-init", "false", Bool, NoLocalEffect),
    ("await-sidecar-readiness", "true", Bool, DefaultOnly),
    (
        "running-in-environment-with-injected-sidecars",
        "true",
        Bool,
        NoLocalEffect,
    ),
    (
        "require-git-ssh-secret-known-hosts",
        "false",
        Bool,
        NoLocalEffect,
    ),
    ("enable-tekton-oci-bundles", "false", Bool, NoLocalEffect),
    (
        "enable-api-fields",
        "beta",
        OneOf(&["stable", "beta", "alpha"]),
        NoLocalEffect,
    ),
    ("send-cloudevents-for-runs", "false", Bool, NoLocalEffect),
    (
        "trusted-resources-verification-no-match-policy",
        "ignore",
        OneOf(&["ignore", "warn", "fail"]),
        NoLocalEffect,
    ),
    ("enable-provenance-in-status", "true", Bool, NoLocalEffect),
    (
        "enforce-nonfalsifiability",
        "none",
        OneOf(&["none", "spire"]),
        DefaultOnly,
    ),
    (
        "results-from",
        "termination-message",
        OneOf(&["termination-message", "sidecar-logs"]),
        DefaultOnly,
    ),
    ("max-result-size", "4096", Text, NoLocalEffect),
    ("set-security-context", "false", Bool, NoLocalEffect),
    (
        "set-security-context-read-only-root-filesystem",
        "false",
        Bool,
        NoLocalEffect,
    ),
    ("keep-pod-on-cancel", "false", Bool, NoLocalEffect),
    ("enable-artifacts", "false", Bool, DefaultOnly),
    ("enable-param-enum", "false", Bool, DefaultOnly),
    ("disable-inline-spec", "", Text, DefaultOnly),
    (
        "enable-concise-resolver-syntax",
        "false",
        Bool,
        NoLocalEffect,
    ),
    ("enable-kubernetes-sidecar", "false", Bool, DefaultOnly),
    ("enable-step-actions", "true", Bool, NoLocalEffect),
];

/// The flags in force for a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeatureFlags {
    /// `enable-cel-in-whenexpression`.
    pub cel_in_when: bool,
}

/// Go's `strconv.ParseBool`.
fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Checks `name=value` against upstream's flags. `Ok(None)` for a name
/// upstream v1.0.0 does not know (the caller decides whether that is an
/// error); else the flag's name and normalised value.
fn check(name: &str, value: &str, from: &str) -> Result<Option<(&'static str, String)>, String> {
    let Some((known, default, kind, treatment)) = FLAGS.iter().find(|f| f.0 == name) else {
        return Ok(None);
    };
    let normal = match kind {
        Bool => parse_bool(value.trim())
            .map(|b| b.to_string())
            .ok_or_else(|| {
                format!("{from}: feature flag {name} = {value:?}: not a boolean (true or false)")
            })?,
        OneOf(allowed) if allowed.contains(&value) => value.to_string(),
        OneOf(allowed) => {
            return Err(format!(
                "{from}: feature flag {name} = {value:?}: expected one of {}",
                allowed.join(", ")
            ))
        }
        Text => value.to_string(),
    };
    if *treatment == DefaultOnly && normal != *default {
        return Err(format!(
            "{from}: feature flag {name} = {value:?} is not supported by podsim (only its default {default:?})"
        ));
    }
    Ok(Some((*known, normal)))
}

impl FeatureFlags {
    /// The flags of `configmaps` (each a `feature-flags` ConfigMap's data,
    /// with the file it came from) and then `overrides` (`--feature-flag
    /// NAME=VALUE`). A name upstream does not know is a warning in a
    /// ConfigMap (upstream ignores it; newer versions add flags) and an error
    /// on the command line; a bad value, or a flag podsim supports only at its
    /// default set to another value, is an error naming it.
    pub fn from_sources(
        configmaps: &[(String, BTreeMap<String, String>)],
        overrides: &[String],
    ) -> Result<(Self, Vec<String>), String> {
        let mut warnings = Vec::new();
        let mut values: BTreeMap<&str, String> = BTreeMap::new();
        for (file, data) in configmaps {
            let from = format!("{file}: ConfigMap feature-flags");
            for (name, value) in data {
                match check(name, value, &from)? {
                    Some((known, v)) => {
                        values.insert(known, v);
                    }
                    None => warnings.push(format!(
                        "{from}: unknown feature flag {name:?} ignored (upstream v1.0.0 does not have it)"
                    )),
                }
            }
        }
        for text in overrides {
            let (name, value) = text
                .split_once('=')
                .filter(|(n, _)| !n.is_empty())
                .ok_or_else(|| format!("--feature-flag {text:?}: expected NAME=VALUE"))?;
            match check(name, value, "--feature-flag")? {
                Some((known, v)) => {
                    values.insert(known, v);
                }
                None => {
                    return Err(format!(
                        "--feature-flag {name}: unknown feature flag (docs/tekton.md#feature-flags lists upstream v1.0.0's)"
                    ))
                }
            }
        }
        let flags = FeatureFlags {
            cel_in_when: values.get(CEL_IN_WHEN).is_some_and(|v| v == "true"),
        };
        Ok((flags, warnings))
    }
}

/// Admission of the CEL in `whens` (at `at`, e.g. `spec.steps[0]`), as
/// upstream's webhook does it: CEL needs [`CEL_IN_WHEN`], cannot be combined
/// with input/operator/values, and must compile (before substitution, so a
/// `$(...)` reference belongs inside a quoted string). Fails with the path
/// of the expression at fault and what is wrong.
pub fn admit_when_cel(
    whens: &[When],
    at: &str,
    features: &FeatureFlags,
) -> Result<(), (String, String)> {
    for (i, w) in whens.iter().enumerate() {
        let Some(cel) = w.cel.as_deref().filter(|c| !c.is_empty()) else {
            continue;
        };
        let at = format!("{at}.when[{i}]");
        if !features.cel_in_when {
            return Err((at, format!(
                "feature flag {CEL_IN_WHEN} should be set to true to use CEL: {cel} in WhenExpression (--feature-flag {CEL_IN_WHEN}=true, or the feature-flags ConfigMap)"
            )));
        }
        if w.input.is_some() || w.operator.is_some() || !w.values.is_empty() {
            return Err((
                at,
                "cel and input+operator+values cannot be set in one WhenExpression".into(),
            ));
        }
        if let Err(e @ WhenError::CelCompile { .. }) = evaluate_cel(i, cel) {
            return Err((at, e.to_string()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(pairs: &[(&str, &str)]) -> Vec<(String, BTreeMap<String, String>)> {
        let map = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        vec![("flags.yaml".to_string(), map)]
    }

    #[test]
    fn defaults_leave_cel_off() {
        let (flags, warnings) = FeatureFlags::from_sources(&[], &[]).unwrap();
        assert!(!flags.cel_in_when);
        assert!(warnings.is_empty());
    }

    #[test]
    fn upstream_shipped_configmap_is_accepted() {
        let shipped = [
            ("coschedule", "workspaces"),
            ("enable-api-fields", "beta"),
            ("results-from", "termination-message"),
            ("disable-inline-spec", ""),
            (CEL_IN_WHEN, "True"),
        ];
        let (flags, warnings) = FeatureFlags::from_sources(&data(&shipped), &[]).unwrap();
        assert!(flags.cel_in_when);
        assert!(warnings.is_empty());
    }

    #[test]
    fn command_line_wins_over_configmap() {
        let (flags, _) = FeatureFlags::from_sources(
            &data(&[(CEL_IN_WHEN, "true")]),
            &[format!("{CEL_IN_WHEN}=false")],
        )
        .unwrap();
        assert!(!flags.cel_in_when);
    }

    #[test]
    fn unknown_names_warn_in_configmaps_and_fail_on_the_command_line() {
        let (_, warnings) = FeatureFlags::from_sources(&data(&[("new-flag", "x")]), &[]).unwrap();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("\"new-flag\""), "{warnings:?}");
        let err = FeatureFlags::from_sources(&[], &["new-flag=x".into()]).unwrap_err();
        assert!(err.contains("unknown feature flag"), "{err}");
    }

    #[test]
    fn bad_values_and_unsupported_values_name_the_flag() {
        let err = FeatureFlags::from_sources(&[], &[format!("{CEL_IN_WHEN}=yes")]).unwrap_err();
        assert!(err.contains("not a boolean"), "{err}");
        let err = FeatureFlags::from_sources(&data(&[("results-from", "sidecar-logs")]), &[])
            .unwrap_err();
        assert!(
            err.contains("results-from") && err.contains("not supported"),
            "{err}"
        );
        let err = FeatureFlags::from_sources(&[], &["coschedule=sometimes".into()]).unwrap_err();
        assert!(err.contains("expected one of"), "{err}");
        let err = FeatureFlags::from_sources(&[], &["=true".into()]).unwrap_err();
        assert!(err.contains("NAME=VALUE"), "{err}");
    }
}
