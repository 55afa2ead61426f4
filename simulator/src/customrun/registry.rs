//! Which runner executes a CustomRun: a table from `(apiVersion, kind)` to
//! a [`Runner`], filled with the built-in Wait task, a config file and
//! `--custom-task API/KIND=CMD` flags.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::control::Control;
use super::external::External;
use super::model::{CustomRun, CustomRunStatus};
use super::wait::{self, Wait};

/// Executes CustomRuns of one kind: the custom-task controller's side.
pub trait Runner: Send + Sync {
    /// Runs `run` to its final status, publishing every status update on
    /// `control` and honouring cancellation requested there. `None`: the
    /// runner never wrote a status.
    fn execute(&self, run: &CustomRun, control: &Control) -> Option<CustomRunStatus>;
}

/// A feature of the contract a runner may declare it does not support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Feature {
    /// `spec.timeout`.
    Timeout,
    /// `spec.retries`.
    Retries,
}

impl std::str::FromStr for Feature {
    type Err = RegistryError;
    fn from_str(s: &str) -> Result<Feature, RegistryError> {
        match s {
            "timeout" => Ok(Feature::Timeout),
            "retries" => Ok(Feature::Retries),
            other => Err(RegistryError::Feature(other.to_string())),
        }
    }
}

/// Why a registration was refused.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// A `--custom-task` value not of the form `API/KIND=CMD`.
    #[error(
        "--custom-task {0:?}: expected API/KIND=CMD, e.g. example.dev/v1/Approval='sh approve.sh'"
    )]
    Flag(String),
    /// An unknown feature name.
    #[error("unknown feature {0:?}: expected timeout or retries")]
    Feature(String),
    /// The config file could not be read or parsed.
    #[error("{file}: {message}")]
    Config {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
}

struct Entry {
    api_version: String,
    kind: String,
    runner: Arc<dyn Runner>,
}

/// The runners known to a simulation. Later registrations of the same type win.
#[derive(Default)]
pub struct Registry {
    entries: Vec<Entry>,
}

/// The config file: `runners: [{apiVersion, kind, command: [...], unsupported: [timeout], grace: 2s}]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    runners: Vec<ConfigEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigEntry {
    api_version: String,
    kind: String,
    command: Vec<String>,
    #[serde(default)]
    unsupported: Vec<Feature>,
    #[serde(default)]
    grace: Option<String>,
}

impl Registry {
    /// No runners at all.
    pub fn empty() -> Registry {
        Registry::default()
    }

    /// The built-in runners: the Wait task.
    pub fn with_builtins() -> Registry {
        let mut registry = Registry::empty();
        registry.register(wait::API_VERSION, wait::KIND, Arc::new(Wait));
        registry
    }

    /// Registers `runner` for `api_version`/`kind`.
    pub fn register(&mut self, api_version: &str, kind: &str, runner: Arc<dyn Runner>) {
        self.entries
            .retain(|e| !(e.api_version == api_version && e.kind == kind));
        self.entries.push(Entry {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            runner,
        });
    }

    /// The runner for `api_version`/`kind`, if one is registered.
    pub fn find(&self, api_version: &str, kind: &str) -> Option<Arc<dyn Runner>> {
        self.entries
            .iter()
            .find(|e| e.api_version == api_version && e.kind == kind)
            .map(|e| e.runner.clone())
    }

    /// Whether some runner is registered for a kind of `api_version`: a
    /// controller serving that API group also reports its invalid CustomRuns
    /// (an empty kind, say), which no kind filter would let through.
    pub fn serves_api_version(&self, api_version: &str) -> bool {
        self.entries.iter().any(|e| e.api_version == api_version)
    }

    /// The registered types as `API/KIND`, in registration order.
    pub fn types(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|e| format!("{}/{}", e.api_version, e.kind))
            .collect()
    }

    /// Registers an external runner from a `--custom-task API/KIND=CMD` value
    /// (`CMD` split on whitespace). Fails on any other shape.
    pub fn add_flag(&mut self, value: &str) -> Result<(), RegistryError> {
        let bad = || RegistryError::Flag(value.to_string());
        let (target, command) = value.split_once('=').ok_or_else(bad)?;
        let (api, kind) = target.rsplit_once('/').ok_or_else(bad)?;
        let argv: Vec<String> = command.split_whitespace().map(String::from).collect();
        if api.is_empty() || kind.is_empty() || argv.is_empty() {
            return Err(bad());
        }
        self.register(api, kind, Arc::new(External::new(argv)));
        Ok(())
    }

    /// Registers the external runners listed in the YAML config file `path`.
    pub fn add_config(&mut self, path: &Path) -> Result<(), RegistryError> {
        let file = path.display().to_string();
        let config = |message: String| RegistryError::Config {
            file: file.clone(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| config(e.to_string()))?;
        let parsed: ConfigFile =
            serde_norway::from_str(&text).map_err(|e| config(e.to_string()))?;
        for (i, entry) in parsed.runners.into_iter().enumerate() {
            if entry.command.is_empty() {
                return Err(config(format!("runners[{i}].command: must not be empty")));
            }
            let mut runner = External::new(entry.command);
            runner.unsupported = entry.unsupported;
            if let Some(grace) = &entry.grace {
                runner.grace = crate::duration::parse_go_duration(grace)
                    .map_err(|e| config(format!("runners[{i}].grace: {e}")))?;
            }
            self.register(&entry.api_version, &entry.kind, Arc::new(runner));
        }
        Ok(())
    }

    /// `base` plus the runners of the config file `config`, then of the
    /// `--custom-task` `flags` (later registrations of a type win): what the
    /// `--custom-task-config`/`--custom-task` flags of every podsim command
    /// describe. The error is one line naming the flag or file at fault.
    pub fn from_flags(
        mut base: Registry,
        config: Option<&Path>,
        flags: &[String],
    ) -> Result<Registry, String> {
        if let Some(config) = config {
            base.add_config(config)
                .map_err(|e| format!("--custom-task-config {e}"))?;
        }
        for flag in flags {
            base.add_flag(flag).map_err(|e| e.to_string())?;
        }
        Ok(base)
    }
}

/// Time a runner gets between the cancellation request and SIGKILL, unless configured.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(2);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_split_type_and_command() {
        let mut registry = Registry::empty();
        registry
            .add_flag("example.dev/v1/Approval=sh approve.sh")
            .unwrap();
        assert!(registry.find("example.dev/v1", "Approval").is_some());
        for bad in ["noequals", "Kind=cmd", "a/v1/K=", "/K=cmd"] {
            assert!(registry.add_flag(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn builtins_include_wait() {
        assert!(Registry::with_builtins()
            .find(wait::API_VERSION, wait::KIND)
            .is_some());
    }
}
