//! Shared helpers for the black-box tests of the `entrypoint` binary.
//!
//! Every test works inside a [`Sandbox`]: a temporary directory whose `tekton/`
//! sub-directory is passed to the binary as `ENTRYPOINT_TEKTON_ROOT`, so no test
//! ever touches the real `/tekton`. A [`Step`] builds the command line of one
//! wrapped step (flags, then `-entrypoint`, then `--` and the arguments) and turns
//! it into an `assert_cmd::Command` (run to completion) or a spawned child (for
//! tests that interact with a running wrapper). Waiting is always on an event
//! (a file appears, a process exits) with a generous deadline that only catches
//! hangs.
#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// Deadline used to catch hangs; never a timing assertion.
pub const HANG: Duration = Duration::from_secs(20);

/// How long a test checks that something does *not* happen (a wrapper keeps
/// waiting). Only a too-slow machine can make such a check pass wrongly; it
/// never makes a correct implementation fail.
pub const STILL_WAITING: Duration = Duration::from_millis(400);

/// Path of the binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_entrypoint"))
}

/// A temporary directory holding a relocated Tekton root and other test files.
pub struct Sandbox {
    dir: TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// Creates the sandbox and its `tekton/` root directory.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("ep-cli-")
            .tempdir()
            .expect("create tempdir");
        fs::create_dir_all(dir.path().join("tekton")).expect("create tekton root");
        Sandbox { dir }
    }

    /// The sandbox directory itself.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A path relative to the sandbox directory.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The relocated Tekton root (`ENTRYPOINT_TEKTON_ROOT`).
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("tekton")
    }

    /// A path under the relocated Tekton root.
    pub fn tekton(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    /// A bare step: only the root env var and an explicit termination path
    /// (`<sandbox>/termination`) are set.
    pub fn step(&self) -> Step {
        Step::new(&self.root()).termination(self.path("termination"))
    }

    /// A step wired the way the controller wires step `i` of a Pod: waits for
    /// `run/<i-1>/out` (i > 0), posts `run/<i>/out`, metadata in
    /// `run/<i>/status`, its own termination file `<sandbox>/termination-<i>`.
    pub fn pod_step(&self, i: usize) -> Step {
        let mut s = Step::new(&self.root())
            .post_file(self.post(i))
            .termination(self.path(&format!("termination-{i}")))
            .metadata(self.tekton(&format!("run/{i}/status")));
        if i > 0 {
            s = s.wait_file(self.post(i - 1));
        }
        s
    }

    /// `run/<i>/out` under the root: step `i`'s post file.
    pub fn post(&self, i: usize) -> PathBuf {
        self.tekton(&format!("run/{i}/out"))
    }

    /// Writes `content` to `rel` (parents created) and returns its path.
    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        let p = self.path(rel);
        write_file(&p, content);
        p
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

/// The `.err` companion of a post file.
pub fn err_file(path: &Path) -> PathBuf {
    with_suffix(path, ".err")
}

/// Reads a file to a string, or `None` when it does not exist.
pub fn read_opt(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok()
}

/// Builder for one wrapper invocation.
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
    /// A step with `ENTRYPOINT_TEKTON_ROOT=root` and nothing else.
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

    /// Appends raw words before the `-entrypoint` flag.
    pub fn arg(mut self, a: impl AsRef<OsStr>) -> Self {
        self.flags.push(a.as_ref().to_owned());
        self
    }

    /// Appends `-name value`.
    pub fn flag(self, name: &str, value: impl AsRef<OsStr>) -> Self {
        self.arg(format!("-{name}")).arg(value)
    }

    pub fn post_file(self, p: impl AsRef<OsStr>) -> Self {
        self.flag("post_file", p)
    }

    pub fn wait_file(self, p: impl AsRef<OsStr>) -> Self {
        self.flag("wait_file", p)
    }

    pub fn termination(self, p: impl AsRef<OsStr>) -> Self {
        self.flag("termination_path", p)
    }

    pub fn metadata(self, p: impl AsRef<OsStr>) -> Self {
        self.flag("step_metadata_dir", p)
    }

    pub fn timeout(self, d: &str) -> Self {
        self.flag("timeout", d)
    }

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

    /// Replaces the whole argument list (flags, entrypoint and args).
    pub fn raw<I, S>(mut self, argv: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.raw = Some(argv.into_iter().map(|a| a.as_ref().to_owned()).collect());
        self
    }

    /// Adds an environment variable for the wrapper.
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

    /// A `std::process::Command` for the wrapper with a clean environment
    /// as far as Tekton is concerned.
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

    /// An `assert_cmd::Command` with a hang-catching timeout.
    pub fn command(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::from_std(self.std_command());
        c.timeout(HANG);
        c
    }

    /// Spawns the wrapper with stdin closed, stdout discarded and stderr
    /// written to `stderr_to` (so failures can be diagnosed).
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

/// Polls until `cond` holds or `deadline` passes; returns whether it held.
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

/// Waits for a path to exist, panicking after [`HANG`].
pub fn wait_for_path(path: &Path) {
    assert!(
        wait_until(HANG, || path.exists()),
        "{} did not appear within {:?}",
        path.display(),
        HANG
    );
}

/// Waits for a child to exit within `deadline`; kills it and panics otherwise.
pub fn wait_child(child: &mut Child, deadline: Duration) -> ExitStatus {
    let end = Instant::now() + deadline;
    loop {
        match child.try_wait() {
            Ok(Some(st)) => return st,
            Ok(None) => {}
            Err(e) => panic!("try_wait failed: {e}"),
        }
        if Instant::now() >= end {
            kill_tree(child.id());
            let _ = child.wait();
            panic!(
                "entrypoint (pid {}) still running after {deadline:?}",
                child.id()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// SIGKILLs `pid` and all its descendants (found through /proc), so a failed
/// test leaves no processes behind.
pub fn kill_tree(pid: u32) {
    let mut pids = vec![pid];
    let mut i = 0;
    while i < pids.len() {
        let parent = pids[i];
        if let Ok(dir) = fs::read_dir("/proc") {
            for e in dir.flatten() {
                let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else {
                    continue;
                };
                let Ok(stat) = fs::read_to_string(format!("/proc/{p}/stat")) else {
                    continue;
                };
                // Fields after the ")" closing the command name: state, ppid, ...
                let ppid = stat
                    .rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                    .and_then(|w| w.parse::<u32>().ok());
                if ppid == Some(parent) && !pids.contains(&p) {
                    pids.push(p);
                }
            }
        }
        i += 1;
    }
    for p in pids {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(p as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

/// Asserts the child is still running after [`STILL_WAITING`].
pub fn assert_still_running(child: &mut Child, why: &str) {
    let end = Instant::now() + STILL_WAITING;
    while Instant::now() < end {
        if let Ok(Some(st)) = child.try_wait() {
            panic!("entrypoint exited ({st}) but should still be waiting: {why}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// One entry of a termination message.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub ty: Value,
}

/// Parses a termination message file (plain JSON form), panicking with the
/// file content when it is not a JSON array of `{key, value, type}` objects.
pub fn read_termination(path: &Path) -> Vec<Entry> {
    let text = fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read termination file {}: {e}", path.display()));
    parse_termination(&text)
}

/// Parses termination message text; see [`read_termination`].
pub fn parse_termination(text: &str) -> Vec<Entry> {
    let v: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("termination message is not JSON ({e}): {text:?}"));
    let arr = v
        .as_array()
        .unwrap_or_else(|| panic!("termination message is not an array: {text}"));
    arr.iter()
        .map(|e| Entry {
            key: e["key"]
                .as_str()
                .unwrap_or_else(|| panic!("entry without string key: {e}"))
                .to_string(),
            value: e["value"]
                .as_str()
                .unwrap_or_else(|| panic!("entry without string value: {e}"))
                .to_string(),
            ty: e["type"].clone(),
        })
        .collect()
}

/// The first entry with the given key.
pub fn entry<'a>(entries: &'a [Entry], key: &str) -> Option<&'a Entry> {
    entries.iter().find(|e| e.key == key)
}

/// Asserts an entry exists with the given value and numeric type.
pub fn assert_entry(entries: &[Entry], key: &str, value: &str, ty: u64) {
    let e = entry(entries, key)
        .unwrap_or_else(|| panic!("no {key:?} entry in termination message: {entries:?}"));
    assert_eq!(e.value, value, "value of {key}: {entries:?}");
    assert_eq!(e.ty, Value::from(ty), "type of {key}: {entries:?}");
}

/// Asserts `StartedAt` is present, type 3, RFC 3339 UTC with milliseconds and
/// within an hour of now.
pub fn assert_started_at(entries: &[Entry]) {
    let e =
        entry(entries, "StartedAt").unwrap_or_else(|| panic!("no StartedAt entry: {entries:?}"));
    assert_eq!(e.ty, Value::from(3u64), "StartedAt type: {entries:?}");
    assert_rfc3339_millis(&e.value);
}

/// Asserts `s` looks like `2026-11-23T14:54:31.123Z` and is close to now.
pub fn assert_rfc3339_millis(s: &str) {
    let b = s.as_bytes();
    let shape_ok = b.len() == 24
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[23] == b'Z'
        && [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22]
            .iter()
            .all(|&i| b[i].is_ascii_digit());
    assert!(shape_ok, "not RFC 3339 UTC with milliseconds: {s:?}");
    let t = humantime::parse_rfc3339(s).unwrap_or_else(|e| panic!("bad RFC 3339 {s:?}: {e}"));
    let now = std::time::SystemTime::now();
    let diff = match now.duration_since(t) {
        Ok(d) => d,
        Err(e) => e.duration(),
    };
    assert!(
        diff < Duration::from_secs(3600),
        "StartedAt {s} is far from now"
    );
}

/// Asserts stderr is exactly one line starting with `entrypoint: ` that
/// contains every needle.
pub fn assert_one_line_error(stderr: &[u8], needles: &[&str]) {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one stderr line, got: {text:?}");
    assert!(
        lines[0].starts_with("entrypoint: "),
        "stderr line must start with 'entrypoint: ': {text:?}"
    );
    for n in needles {
        assert!(lines[0].contains(n), "stderr should name {n:?}: {text:?}");
    }
}

/// The `os/arch` key of this machine in Go/OCI spelling (`linux/amd64`).
pub fn platform_key() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "arm" => "arm",
        "powerpc64" => "ppc64le",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        other => other,
    };
    format!("linux/{arch}")
}

/// Unix permission bits of a path (without the file type).
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}
