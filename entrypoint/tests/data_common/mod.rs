//! Shared helpers for the black-box data-flow tests (`tests/data_*.rs`).
//!
//! Every test runs the real `entrypoint` binary inside a [`Sandbox`]: a
//! temporary directory whose `tekton/` sub-directory is passed as
//! `ENTRYPOINT_TEKTON_ROOT` (results in `<root>/results`, step results of other
//! steps in `<root>/steps/step-<name>/results`, task artifacts in
//! `<root>/artifacts`), with `-termination_path` always given explicitly inside
//! the sandbox. Nothing here touches the real `/tekton`. Waiting is always on
//! an event (a file appears, a process exits) bounded by a hang-catching
//! deadline, never a bare sleep.
#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;
use tempfile::TempDir;

/// Deadline that only catches hangs; never a timing assertion.
pub const HANG: Duration = Duration::from_secs(20);

/// How long a test checks that a paused wrapper keeps waiting. A slow machine
/// can only make such a check pass wrongly, never fail a correct wrapper.
pub const STILL_WAITING: Duration = Duration::from_millis(400);

/// Upstream's exact error for an oversized termination message.
pub const TOO_LARGE: &str =
    "Termination message is above max allowed size 4096, caused by large task result.";

/// A `sh -c` script that writes each of its arguments followed by a NUL to
/// the file named by `$ARGS_OUT` (arguments can never contain NUL).
pub const RECORD_ARGS: &str = r#"printf '%s\0' "$@" > "$ARGS_OUT""#;

/// A temporary directory holding a relocated Tekton root and the step's files.
pub struct Sandbox {
    dir: TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// Creates the sandbox and its `tekton/` root.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("ep-data-")
            .tempdir()
            .expect("create tempdir");
        fs::create_dir_all(dir.path().join("tekton")).expect("create tekton root");
        Sandbox { dir }
    }

    /// A path relative to the sandbox directory.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The relocated Tekton root (`ENTRYPOINT_TEKTON_ROOT`).
    pub fn root(&self) -> PathBuf {
        self.path("tekton")
    }

    /// A path under the relocated root.
    pub fn tekton(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    /// The termination message file every step of this sandbox uses.
    pub fn term(&self) -> PathBuf {
        self.path("termination")
    }

    /// The post file of [`Sandbox::pod_step`].
    pub fn post(&self) -> PathBuf {
        self.tekton("run/0/out")
    }

    /// The step metadata dir of [`Sandbox::pod_step`].
    pub fn meta(&self) -> PathBuf {
        self.tekton("run/0/status")
    }

    /// `<root>/results/<name>`: where `-results` reads a task result.
    pub fn task_result_path(&self, name: &str) -> PathBuf {
        self.tekton(&format!("results/{name}"))
    }

    /// `<root>/steps/step-<step>/results/<name>`: where a reference reads.
    pub fn step_result_path(&self, step: &str, name: &str) -> PathBuf {
        self.tekton(&format!("steps/step-{step}/results/{name}"))
    }

    /// Writes a result of another step for substitution.
    pub fn step_result(&self, step: &str, name: &str, content: &str) {
        write_file(&self.step_result_path(step, name), content);
    }

    /// A marker file a command touches to prove it ran.
    pub fn marker(&self) -> PathBuf {
        self.path("ran")
    }

    /// A step with only the root env var and `-termination_path` set.
    pub fn step(&self) -> Step {
        Step::new(&self.root()).flag("termination_path", self.term())
    }

    /// A step wired as step 0 of a Pod: post file and metadata dir under the root.
    pub fn pod_step(&self) -> Step {
        self.step()
            .flag("post_file", self.post())
            .flag("step_metadata_dir", self.meta())
    }
}

/// Writes a file, creating its parents.
pub fn write_file(path: &Path, content: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create parent dirs");
    }
    fs::write(path, content).expect("write file");
}

/// Appends `suffix` to a path's file name (`out` -> `out.err`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s: OsString = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Builder for one wrapper invocation.
#[derive(Clone)]
pub struct Step {
    root: PathBuf,
    flags: Vec<OsString>,
    command: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
}

impl Step {
    /// A step with `ENTRYPOINT_TEKTON_ROOT=root` and no flags.
    pub fn new(root: &Path) -> Self {
        Step {
            root: root.to_path_buf(),
            flags: Vec::new(),
            command: Vec::new(),
            envs: Vec::new(),
        }
    }

    /// Appends `-name value`.
    pub fn flag(mut self, name: &str, value: impl AsRef<OsStr>) -> Self {
        self.flags.push(format!("-{name}").into());
        self.flags.push(value.as_ref().to_owned());
        self
    }

    /// Appends a boolean `-name`.
    pub fn switch(mut self, name: &str) -> Self {
        self.flags.push(format!("-{name}").into());
        self
    }

    /// Sets `-entrypoint cmd -- args...`.
    pub fn run<I, S>(mut self, cmd: impl AsRef<OsStr>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command = vec!["-entrypoint".into(), cmd.as_ref().to_owned(), "--".into()];
        self.command
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets `-entrypoint /bin/sh -- -c script`.
    pub fn sh(self, script: &str) -> Self {
        self.run("/bin/sh", ["-c", script])
    }

    /// Runs [`RECORD_ARGS`] with `args`, recording them into `out`.
    pub fn record_args<I, S>(self, out: &Path, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut all: Vec<OsString> = vec!["-c".into(), RECORD_ARGS.into(), "sh".into()];
        all.extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self.env("ARGS_OUT", out).run("/bin/sh", all)
    }

    /// Adds an environment variable for the wrapper (and so the command).
    pub fn env(mut self, k: impl AsRef<OsStr>, v: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((k.as_ref().to_owned(), v.as_ref().to_owned()));
        self
    }

    fn std_command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_entrypoint"));
        c.args(&self.flags).args(&self.command);
        c.env("ENTRYPOINT_TEKTON_ROOT", &self.root);
        c.env_remove("TEKTON_PLATFORM_COMMANDS");
        for (k, v) in &self.envs {
            c.env(k, v);
        }
        c
    }

    /// An `assert_cmd::Command` with a hang-catching timeout.
    pub fn command(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::from_std(self.std_command());
        c.timeout(HANG);
        c
    }

    /// Spawns the wrapper (stdin closed, stdout discarded, stderr to `stderr_to`).
    pub fn spawn(&self, stderr_to: &Path) -> Child {
        let err = fs::File::create(stderr_to).expect("create stderr capture");
        self.std_command()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(err))
            .spawn()
            .expect("spawn entrypoint")
    }
}

/// Reads the NUL-separated arguments recorded by [`RECORD_ARGS`].
pub fn recorded_args(path: &Path) -> Vec<String> {
    let raw = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let text = String::from_utf8(raw).expect("recorded args are UTF-8");
    let mut parts: Vec<String> = text.split('\0').map(String::from).collect();
    assert_eq!(parts.pop().as_deref(), Some(""), "NUL-terminated: {text:?}");
    parts
}

/// Polls `cond` until it holds or `deadline` passes; returns whether it held.
pub fn wait_until(deadline: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits for a child to exit within [`HANG`]; kills it and panics otherwise.
pub fn wait_child(child: &mut Child) -> ExitStatus {
    let end = Instant::now() + HANG;
    loop {
        match child.try_wait() {
            Ok(Some(st)) => return st,
            Ok(None) => {}
            Err(e) => panic!("try_wait failed: {e}"),
        }
        if Instant::now() >= end {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "entrypoint (pid {}) still running after {HANG:?}",
                child.id()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Asserts the child is still running (paused) after [`STILL_WAITING`].
pub fn assert_still_running(child: &mut Child, why: &str) {
    let end = Instant::now() + STILL_WAITING;
    while Instant::now() < end {
        if let Ok(Some(st)) = child.try_wait() {
            panic!("entrypoint exited ({st}) but should still be waiting: {why}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// One termination message entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub ty: Value,
}

/// Decodes a `tknz:` message (base64 without padding of raw DEFLATE) with
/// flate2 directly, independently of the crate's own decoder; plain text is
/// returned as it is.
pub fn decode_message(text: &str) -> String {
    let Some(payload) = text.strip_prefix("tknz:") else {
        return text.to_owned();
    };
    assert!(!payload.contains('='), "no base64 padding: {text}");
    let raw = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(payload)
        .unwrap_or_else(|e| panic!("compressed message is not unpadded base64 ({e}): {text}"));
    let mut out = String::new();
    flate2::read::DeflateDecoder::new(&raw[..])
        .read_to_string(&mut out)
        .unwrap_or_else(|e| panic!("compressed message is not raw DEFLATE ({e}): {text}"));
    out
}

/// Parses termination message text (plain or `tknz:`), panicking with the
/// text when it is not a JSON array of `{key, value, type}`.
pub fn parse_message(text: &str) -> Vec<Entry> {
    let json = decode_message(text);
    let v: Value = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("termination message is not JSON ({e}): {json:?}"));
    v.as_array()
        .unwrap_or_else(|| panic!("termination message is not an array: {json}"))
        .iter()
        .map(|e| Entry {
            key: e["key"].as_str().expect("string key").to_owned(),
            value: e["value"].as_str().expect("string value").to_owned(),
            ty: e["type"].clone(),
        })
        .collect()
}

/// Reads and parses a termination message file.
pub fn read_message(path: &Path) -> Vec<Entry> {
    let text = fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read termination message {}: {e}", path.display()));
    parse_message(&text)
}

/// The entries with the given key.
pub fn entries<'a>(all: &'a [Entry], key: &str) -> Vec<&'a Entry> {
    all.iter().filter(|e| e.key == key).collect()
}

/// Asserts exactly one entry with `key`, holding `value` with numeric `ty`.
pub fn assert_entry(all: &[Entry], key: &str, value: &str, ty: u64) {
    let found = entries(all, key);
    assert_eq!(found.len(), 1, "one {key:?} entry expected: {all:?}");
    assert_eq!(found[0].value, value, "value of {key:?}: {all:?}");
    assert_eq!(found[0].ty, Value::from(ty), "type of {key:?}: {all:?}");
}

/// Asserts no entry has `key`.
pub fn assert_no_entry(all: &[Entry], key: &str) {
    assert!(entries(all, key).is_empty(), "no {key:?} expected: {all:?}");
}

/// Asserts a `StartedAt` internal (type 3) entry is present.
pub fn assert_started(all: &[Entry]) {
    let found = entries(all, "StartedAt");
    assert_eq!(found.len(), 1, "one StartedAt expected: {all:?}");
    assert_eq!(found[0].ty, Value::from(3u64), "StartedAt type: {all:?}");
}

/// Asserts the non-blank stderr lines are one line containing every needle.
pub fn assert_one_line_error(stderr: &[u8], needles: &[&str]) {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one stderr line: {text:?}");
    for n in needles {
        assert!(
            lines[0].contains(n),
            "stderr should contain {n:?}: {text:?}"
        );
    }
}

/// Runs `python3 -c script args...` with `input` on stdin and returns stdout;
/// `None` (the test is skipped) when python3 is not installed.
pub fn python(script: &str, args: &[&str], input: &str) -> Option<String> {
    let mut child = match Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("skipping: python3 is not installed");
            return None;
        }
        Err(e) => panic!("cannot start python3: {e}"),
    };
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.as_bytes())
        .expect("write to python3");
    let out = child.wait_with_output().expect("wait for python3");
    assert!(
        out.status.success(),
        "python3 failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("python3 prints UTF-8"))
}

/// Runs a subcommand (`step-init`, ...) of the binary under the relocated root.
pub fn subcommand(root: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::new(env!("CARGO_BIN_EXE_entrypoint"));
    c.args(args)
        .env("ENTRYPOINT_TEKTON_ROOT", root)
        .timeout(HANG);
    c
}

/// Writes a file atomically (temporary sibling, then rename), so a watcher
/// never sees it empty.
pub fn write_atomic(path: &Path, content: &str) {
    let tmp = with_suffix(path, ".tmp-test");
    write_file(&tmp, content);
    fs::rename(&tmp, path).expect("rename into place");
}
