//! The command line: upstream's flag set, declared with clap, read through the
//! Go-syntax shim in [`crate::goflag`], and validated into a [`StepConfig`] or
//! a [`Subcommand`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, CommandFactory, FromArgMatches, Parser};

use crate::duration::{self, GoDuration};
use crate::goflag::{self, FlagKind, ShimError};
use crate::paths::TektonPaths;
use crate::platform;
pub use crate::subcommands::Subcommand;

/// Upstream's flags. Every flag upstream's `cmd/entrypoint` defines is here, so
/// a Pod built by Tekton's controller always parses.
#[derive(Debug, Parser)]
#[command(
    name = "entrypoint",
    about = "Runs a step's command in order: waits for the previous step, runs, writes a post file.",
    no_binary_name = true,
    disable_help_flag = true,
    disable_version_flag = true,
    args_override_self = true
)]
pub struct Flags {
    /// Original command to execute
    #[arg(long = "entrypoint", default_value = "")]
    pub entrypoint: String,
    /// Comma-separated list of paths to wait for
    #[arg(long = "wait_file", default_value = "")]
    pub wait_file: String,
    /// Expect the wait files to have content
    #[arg(long = "wait_file_content", num_args = 0..=1, default_value_t = false, default_missing_value = "true")]
    pub wait_file_content: bool,
    /// File to write upon completion (<post_file>.err on failure)
    #[arg(long = "post_file", default_value = "")]
    pub post_file: String,
    /// File to write the termination message to [default: /tekton/termination]
    #[arg(long = "termination_path")]
    pub termination_path: Option<String>,
    /// Comma-separated task result names, read from /tekton/results
    #[arg(long = "results", default_value = "")]
    pub results: String,
    /// Comma-separated step result names, read from <step_metadata_dir>/results
    #[arg(long = "step_results", default_value = "")]
    pub step_results: String,
    /// JSON list of when expressions guarding the step
    #[arg(long = "when_expressions", default_value = "")]
    pub when_expressions: String,
    /// Timeout for the step (Go duration, 0 means none)
    #[arg(long = "timeout", default_value = "0")]
    pub timeout: String,
    /// File to copy stdout to
    #[arg(long = "stdout_path", default_value = "")]
    pub stdout_path: String,
    /// File to copy stderr to
    #[arg(long = "stderr_path", default_value = "")]
    pub stderr_path: String,
    /// On failure, wait for <post_file>.breakpointexit instead of exiting
    #[arg(long = "breakpoint_on_failure", num_args = 0..=1, default_value_t = false, default_missing_value = "true")]
    pub breakpoint_on_failure: bool,
    /// Before running, wait for <post_file>.beforestepexit
    #[arg(long = "debug_before_step", num_args = 0..=1, default_value_t = false, default_missing_value = "true")]
    pub debug_before_step: bool,
    /// "continue" or "stopAndFail"
    #[arg(long = "on_error", default_value = "")]
    pub on_error: String,
    /// Directory for step metadata (exitCode, results/, artifacts/)
    #[arg(long = "step_metadata_dir", default_value = "")]
    pub step_metadata_dir: String,
    /// Sign results with the workload's SPIFFE SVID
    #[arg(long = "enable_spire", num_args = 0..=1, default_value_t = false, default_missing_value = "true")]
    pub enable_spire: bool,
    /// SPIRE agent socket for the SPIFFE workload API
    #[arg(
        long = "spire_socket_path",
        default_value = "unix:///spiffe-workload-api/spire-agent.sock"
    )]
    pub spire_socket_path: String,
    /// How results reach the controller: termination-message or sidecar-logs
    #[arg(long = "result_from", default_value = "termination-message")]
    pub result_from: String,
    /// Compress the termination message (tknz: + base64 of raw DEFLATE)
    #[arg(long = "compress_termination_message", num_args = 0..=1, default_value_t = false, default_missing_value = "true")]
    pub compress_termination_message: bool,
    /// Git basic-auth credentials (secret=url); accepted, see docs/compatibility.md
    #[arg(long = "basic-git", action = ArgAction::Append)]
    pub basic_git: Vec<String>,
    /// Git SSH credentials (secret=host); accepted, see docs/compatibility.md
    #[arg(long = "ssh-git", action = ArgAction::Append)]
    pub ssh_git: Vec<String>,
    /// Docker basic-auth credentials (secret=url); accepted, see docs/compatibility.md
    #[arg(long = "basic-docker", action = ArgAction::Append)]
    pub basic_docker: Vec<String>,
    /// Docker config.json secret; accepted, see docs/compatibility.md
    #[arg(long = "docker-config", action = ArgAction::Append)]
    pub docker_config: Vec<String>,
    /// Docker .dockercfg secret; accepted, see docs/compatibility.md
    #[arg(long = "docker-cfg", action = ArgAction::Append)]
    pub docker_cfg: Vec<String>,
}

/// What `-on_error` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Unset or `stopAndFail`: a failure fails the step and skips the rest.
    #[default]
    StopAndFail,
    /// `continue`: record the exit code and let later steps run.
    Continue,
}

/// What `-result_from` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResultFrom {
    #[default]
    TerminationMessage,
    SidecarLogs,
}

/// A validated step: everything the runner needs, with upstream's defaults applied.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StepConfig {
    pub command: Vec<String>,
    pub wait_files: Vec<PathBuf>,
    pub wait_file_content: bool,
    pub post_file: Option<PathBuf>,
    pub termination_path: PathBuf,
    pub results: Vec<String>,
    pub step_results: Vec<String>,
    pub when_expressions: Option<String>,
    pub timeout: Option<Duration>,
    pub stdout_path: Option<PathBuf>,
    pub stderr_path: Option<PathBuf>,
    pub breakpoint_on_failure: bool,
    pub debug_before_step: bool,
    pub on_error: OnError,
    pub step_metadata_dir: Option<PathBuf>,
    pub spire_socket: Option<String>,
    pub result_from: ResultFrom,
    pub compress_termination_message: bool,
    pub credential_flags: Vec<String>,
    pub paths: TektonPaths,
}

/// What a command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    Help,
    Subcommand(Subcommand),
    Step(Box<StepConfig>),
}

/// A command line that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CliError {
    /// Go-syntax or type errors: upstream prints usage and exits 2.
    #[error("{0}")]
    Usage(String),
    /// A well-formed command line asking for something invalid: exit 1.
    #[error("{0}")]
    Invalid(String),
}

impl CliError {
    /// The exit status upstream uses for this kind of error.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Invalid(_) => 1,
        }
    }
}

/// The one-line usage printed after a usage error.
pub const SHORT_USAGE: &str =
    "usage: entrypoint [flags] [-- command args...] | entrypoint [flags] <cp|init|step-init|decode-script> args... (-help lists the flags)";

/// The usage text (flags and subcommands), as printed for `-h` and usage errors.
pub fn usage() -> String {
    let mut cmd = Flags::command().after_help(
        "Subcommands (first word after the flags):\n  \
         cp <src> <dst>                 copy a file, destination mode 0311\n  \
         init <src> <dst> [steps...]    cp, then step-init\n  \
         step-init [steps...]           link /tekton/steps/<name> and /<index> to /tekton/run/<index>/status\n  \
         decode-script <path>           replace a file's base64 content with the decoded bytes\n\n\
         Flags use Go syntax: -name value, -name=value, --name value, --name=value.\n\
         Arguments after -- are passed to the command.",
    );
    cmd.render_help().to_string()
}

/// What the Go-syntax shim needs to know of each flag, read from the clap definition.
fn flag_kinds(command: &clap::Command) -> HashMap<String, FlagKind> {
    command
        .get_arguments()
        .filter_map(|arg| {
            let long = arg.get_long()?;
            let is_bool = arg.get_num_args().is_some_and(|n| n.min_values() == 0);
            Some((
                long.to_string(),
                if is_bool {
                    FlagKind::Bool
                } else {
                    FlagKind::Value
                },
            ))
        })
        .collect()
}

fn comma_list(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
}

fn non_empty_path(s: String) -> Option<PathBuf> {
    (!s.is_empty()).then(|| PathBuf::from(s))
}

/// Parses a command line (without the program name).
///
/// `env` looks up environment variables (`TEKTON_PLATFORM_COMMANDS`,
/// `ENTRYPOINT_TEKTON_ROOT`) so that tests need not touch the process
/// environment. Errors are one line naming the flag at fault.
pub fn parse(
    args: &[String],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Invocation, CliError> {
    let command = Flags::command();
    let split = match goflag::split(args, &flag_kinds(&command)) {
        Ok(split) => split,
        Err(ShimError::Help) => return Ok(Invocation::Help),
        Err(e) => return Err(CliError::Usage(e.to_string())),
    };
    let matches = command
        .try_get_matches_from(&split.flags)
        .map_err(|e| CliError::Usage(first_line(&e.to_string())))?;
    let flags = Flags::from_arg_matches(&matches)
        .map_err(|e| CliError::Usage(first_line(&e.to_string())))?;

    if let Some((word, rest)) = split.positional.split_first() {
        return crate::subcommands::parse(word, rest).map(Invocation::Subcommand);
    }
    let paths = match env(crate::paths::ROOT_ENV) {
        Some(root) if !root.is_empty() => TektonPaths::new(root),
        _ => TektonPaths::default(),
    };
    step_config(flags, split.command_args, paths, env).map(|c| Invocation::Step(Box::new(c)))
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or_default();
    line.strip_prefix("error: ").unwrap_or(line).to_string()
}

fn step_config(
    flags: Flags,
    command_args: Vec<String>,
    paths: TektonPaths,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<StepConfig, CliError> {
    let timeout = duration::parse(&flags.timeout).map_err(|e| {
        CliError::Usage(format!(
            "invalid value {:?} for flag -timeout: {e}",
            flags.timeout
        ))
    })?;
    let timeout = validate_timeout(timeout)?;
    let on_error = match flags.on_error.as_str() {
        "" | "stopAndFail" => OnError::StopAndFail,
        "continue" => OnError::Continue,
        other => {
            return Err(CliError::Invalid(format!(
                "invalid value {other:?} for flag -on_error: use \"continue\" or \"stopAndFail\""
            )))
        }
    };
    let result_from = match flags.result_from.as_str() {
        "termination-message" => ResultFrom::TerminationMessage,
        "sidecar-logs" => ResultFrom::SidecarLogs,
        other => {
            return Err(CliError::Invalid(format!(
                "invalid value {other:?} for flag -result_from: use \"termination-message\" or \"sidecar-logs\""
            )))
        }
    };
    let mut command = if flags.entrypoint.is_empty() {
        let spec = env(platform::ENV).unwrap_or_default();
        platform::select(&spec, &platform::current())
            .map_err(|e| CliError::Invalid(e.to_string()))?
    } else {
        vec![flags.entrypoint]
    };
    command.extend(command_args);
    let credential_flags = [
        ("basic-git", &flags.basic_git),
        ("ssh-git", &flags.ssh_git),
        ("basic-docker", &flags.basic_docker),
        ("docker-config", &flags.docker_config),
        ("docker-cfg", &flags.docker_cfg),
    ]
    .into_iter()
    .filter(|(_, values)| !values.is_empty())
    .map(|(name, _)| format!("-{name}"))
    .collect();
    Ok(StepConfig {
        command,
        wait_files: comma_list(&flags.wait_file)
            .into_iter()
            .map(PathBuf::from)
            .collect(),
        wait_file_content: flags.wait_file_content,
        post_file: non_empty_path(flags.post_file),
        termination_path: flags
            .termination_path
            .filter(|p| !p.is_empty())
            .map_or_else(|| paths.termination(), PathBuf::from),
        results: result_names("-results", &flags.results)?,
        step_results: result_names("-step_results", &flags.step_results)?,
        when_expressions: (!flags.when_expressions.is_empty()).then_some(flags.when_expressions),
        timeout,
        stdout_path: non_empty_path(flags.stdout_path),
        stderr_path: non_empty_path(flags.stderr_path),
        breakpoint_on_failure: flags.breakpoint_on_failure,
        debug_before_step: flags.debug_before_step,
        on_error,
        step_metadata_dir: non_empty_path(flags.step_metadata_dir),
        spire_socket: flags
            .enable_spire
            .then_some(flags.spire_socket_path)
            .filter(|s| !s.is_empty()),
        result_from,
        compress_termination_message: flags.compress_termination_message,
        credential_flags,
        paths,
    })
}

/// Splits a result-name list, rejecting names that would read outside the results directory.
fn result_names(flag: &str, list: &str) -> Result<Vec<String>, CliError> {
    let names = comma_list(list);
    for name in &names {
        crate::results::validate_name(name)
            .map_err(|e| CliError::Invalid(format!("invalid value for flag {flag}: {e}")))?;
    }
    Ok(names)
}

fn validate_timeout(timeout: GoDuration) -> Result<Option<Duration>, CliError> {
    if timeout.is_negative() {
        return Err(CliError::Invalid(format!(
            "invalid value for flag -timeout: negative timeout specified ({timeout})"
        )));
    }
    Ok(timeout.to_std().filter(|d| !d.is_zero()))
}

#[cfg(test)]
#[path = "cli_tests.rs"]
mod tests;
