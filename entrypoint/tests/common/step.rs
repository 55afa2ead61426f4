//! The [`Step`] builder: the command line and environment of one wrapper
//! invocation, and the argument recorder used to see what the command got.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use super::{bin, HANG};

/// A `sh -c` script that writes each of its arguments followed by a NUL to
/// the file named by `$ARGS_OUT` (arguments can never contain NUL).
pub const RECORD_ARGS: &str = r#"printf '%s\0' "$@" > "$ARGS_OUT""#;

/// Builder for one wrapper invocation: flags, then `-entrypoint cmd`, then
/// `--` and the command's arguments (or a raw argument list).
#[derive(Clone)]
pub struct Step {
    root: PathBuf,
    flags: Vec<OsString>,
    entrypoint: Option<OsString>,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
    raw: Option<Vec<OsString>>,
}

impl Step {
    /// A step with `ENTRYPOINT_TEKTON_ROOT=root` and no flags.
    pub fn new(root: &Path) -> Self {
        Step {
            root: root.to_path_buf(),
            flags: Vec::new(),
            entrypoint: None,
            args: Vec::new(),
            envs: Vec::new(),
            raw: None,
        }
    }

    /// Appends one raw word before `-entrypoint` (an odd spelling such as
    /// `--name=value`, an unknown flag, a non-UTF-8 value).
    pub fn arg(mut self, a: impl AsRef<OsStr>) -> Self {
        self.flags.push(a.as_ref().to_owned());
        self
    }

    /// Appends `-name value`.
    pub fn flag(self, name: &str, value: impl AsRef<OsStr>) -> Self {
        self.arg(format!("-{name}")).arg(value)
    }

    /// Appends the boolean `-name` (or `-name=value` when `name` holds one).
    pub fn switch(self, name: &str) -> Self {
        self.arg(format!("-{name}"))
    }

    /// Appends `-post_file p`.
    pub fn post_file(self, p: impl AsRef<OsStr>) -> Self {
        self.flag("post_file", p)
    }

    /// Appends `-wait_file p`.
    pub fn wait_file(self, p: impl AsRef<OsStr>) -> Self {
        self.flag("wait_file", p)
    }

    /// Appends `-termination_path p`.
    pub fn termination(self, p: impl AsRef<OsStr>) -> Self {
        self.flag("termination_path", p)
    }

    /// Appends `-step_metadata_dir p`.
    pub fn metadata(self, p: impl AsRef<OsStr>) -> Self {
        self.flag("step_metadata_dir", p)
    }

    /// Appends `-timeout d`.
    pub fn timeout(self, d: &str) -> Self {
        self.flag("timeout", d)
    }

    /// Appends `-on_error v`.
    pub fn on_error(self, v: &str) -> Self {
        self.flag("on_error", v)
    }

    /// Sets `-entrypoint cmd -- args...`.
    pub fn run<I, S>(mut self, cmd: impl AsRef<OsStr>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.entrypoint = Some(cmd.as_ref().to_owned());
        self.args = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        self
    }

    /// Sets `-entrypoint /bin/sh -- -c script`.
    pub fn sh(self, script: &str) -> Self {
        self.run("/bin/sh", ["-c", script])
    }

    /// Runs [`RECORD_ARGS`] with `args` (`$0` is `sh`), recording them into
    /// `out` for [`recorded_args`].
    pub fn record_args<I, S>(self, out: &Path, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut all: Vec<OsString> = vec!["-c".into(), RECORD_ARGS.into(), "sh".into()];
        all.extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self.env("ARGS_OUT", out).run("/bin/sh", all)
    }

    /// Replaces the whole argument list (flags, entrypoint and args),
    /// including any flag set before.
    pub fn raw<I, S>(mut self, argv: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.raw = Some(argv.into_iter().map(|a| a.as_ref().to_owned()).collect());
        self
    }

    /// Adds an environment variable for the wrapper (and so the command).
    pub fn env(mut self, k: impl AsRef<OsStr>, v: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((k.as_ref().to_owned(), v.as_ref().to_owned()));
        self
    }

    /// The full argument vector given to the binary.
    pub fn argv(&self) -> Vec<OsString> {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        let mut v = self.flags.clone();
        if let Some(ep) = &self.entrypoint {
            v.push("-entrypoint".into());
            v.push(ep.clone());
        }
        if self.entrypoint.is_some() || !self.args.is_empty() {
            v.push("--".into());
            v.extend(self.args.iter().cloned());
        }
        v
    }

    /// A `std::process::Command` for the wrapper: the root env var set,
    /// `TEKTON_PLATFORM_COMMANDS` removed, then the step's own variables.
    pub fn std_command(&self) -> std::process::Command {
        let mut c = std::process::Command::new(bin());
        c.args(self.argv());
        c.env("ENTRYPOINT_TEKTON_ROOT", &self.root);
        c.env_remove("TEKTON_PLATFORM_COMMANDS");
        for (k, v) in &self.envs {
            c.env(k, v);
        }
        c
    }

    /// An `assert_cmd::Command` with a hang-catching timeout ([`HANG`]).
    pub fn command(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::from_std(self.std_command());
        c.timeout(HANG);
        c
    }

    /// Spawns the wrapper with stdin closed, stdout discarded and stderr
    /// written to `stderr_to` (so failures can be diagnosed); panics when it
    /// cannot be started.
    pub fn spawn(&self, stderr_to: &Path) -> Child {
        let err = fs::File::create(stderr_to).expect("create stderr capture file");
        self.std_command()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(err))
            .spawn()
            .expect("spawn entrypoint")
    }
}

/// Reads the NUL-separated arguments recorded by [`RECORD_ARGS`]; panics
/// when the file is missing, not UTF-8 or not NUL-terminated.
pub fn recorded_args(path: &Path) -> Vec<String> {
    let raw = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let text = String::from_utf8(raw).expect("recorded args are UTF-8");
    let mut parts: Vec<String> = text.split('\0').map(String::from).collect();
    assert_eq!(parts.pop().as_deref(), Some(""), "NUL-terminated: {text:?}");
    parts
}
