//! How to drive the custom task under test: its type and the params that
//! make it succeed, fail or run until cancelled.

use std::path::Path;

use serde::Deserialize;
use simulator::customrun::model::Param;

/// The checker's knowledge of the task under test. Defaults describe
/// examples/customrun-approval.sh.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Profile {
    /// apiVersion of the custom task.
    pub api_version: String,
    /// kind of the custom task.
    pub kind: String,
    /// Params with which each try succeeds.
    pub succeed: Vec<Param>,
    /// Params with which each try fails.
    pub fail: Vec<Param>,
    /// `spec.timeout` the failing runs set (for tasks that only fail by timing out).
    #[serde(default)]
    pub fail_timeout: Option<String>,
    /// Params with which a try runs until cancelled or timed out.
    pub long: Vec<Param>,
    /// A param whose value the task reports back as a result of the same value.
    pub echo: Option<Echo>,
    /// Features the task does not support (`timeout`, `retries`).
    #[serde(default)]
    pub unsupported: Vec<String>,
}

/// A param echoed as a result.
#[derive(Debug, Clone, Deserialize)]
pub struct Echo {
    /// The param (in `succeed`) to set to a fresh value.
    pub param: String,
    /// The result that must carry that value.
    pub result: String,
}

fn param(name: &str, value: &str) -> Param {
    Param {
        name: name.to_string(),
        value: serde_json::Value::String(value.to_string()),
    }
}

impl Default for Profile {
    fn default() -> Profile {
        Profile {
            api_version: "example.dev/v1".to_string(),
            kind: "Approval".to_string(),
            succeed: vec![param("decision", "approve"), param("approver", "checker")],
            fail: vec![param("decision", "reject"), param("approver", "checker")],
            fail_timeout: None,
            long: vec![param("decision", "wait")],
            echo: Some(Echo {
                param: "approver".to_string(),
                result: "approver".to_string(),
            }),
            unsupported: vec!["timeout".to_string()],
        }
    }
}

impl Profile {
    /// Reads a profile from a YAML file; the error names the file.
    pub fn load(path: &Path) -> Result<Profile, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_norway::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The profile of the built-in Wait task (it cannot fail, so the
    /// failure checks use a try that times out).
    pub fn wait() -> Profile {
        Profile {
            api_version: simulator::customrun::wait::API_VERSION.to_string(),
            kind: simulator::customrun::wait::KIND.to_string(),
            succeed: vec![param("duration", "10ms")],
            fail: vec![param("duration", "1h")],
            fail_timeout: Some("20ms".to_string()),
            long: vec![param("duration", "1h")],
            echo: None,
            unsupported: Vec::new(),
        }
    }

    /// Whether the task supports `feature`.
    pub fn supports(&self, feature: &str) -> bool {
        !self.unsupported.iter().any(|f| f == feature)
    }
}
