//! Runs one case through one binary in a fresh sandbox and records what can
//! be observed.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::case::{Case, Setup};

/// Longest a single run may take before it counts as hung and is killed.
const HANG: Duration = Duration::from_secs(30);

/// The shell script that gives a run the real `/tekton`: a private mount
/// namespace (from `unshare`), a tmpfs root mirroring the host's top-level
/// entries by bind mounts, `/tekton` bound to the sandbox's `tekton/`, then
/// chroot. Nothing is created outside the sandbox on the host.
const NAMESPACE_SCRIPT: &str = r#"set -e
R=$1; SB=$2; shift 2
mount -t tmpfs tmpfs "$R"
for e in /*; do
  n=${e#/}
  if [ -L "$e" ]; then ln -s "$(readlink "$e")" "$R/$n"
  elif [ -d "$e" ] && [ "$n" != tekton ]; then mkdir "$R/$n"; mount --rbind "$e" "$R/$n"
  fi
done
mkdir -p "$R/tekton"; mount --bind "$SB/tekton" "$R/tekton"
exec chroot "$R" /bin/sh -c 'cd "$0" && exec "$@"' "$SB" "$@"
"#;

/// What one run left behind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// `exit N` or `signal N`.
    pub status: String,
    /// The run's standard output.
    pub stdout: String,
    /// The run's standard error.
    pub stderr: String,
    /// Every entry of the sandbox after the run: path -> description (kind,
    /// mode, content with termination timestamps masked).
    pub files: BTreeMap<String, String>,
}

/// Whether `/tekton` cases can run here: root and a working `unshare -m`.
/// `Err` carries the reason printed when they are skipped.
pub fn namespaces_available() -> Result<(), String> {
    let ok = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err("`unshare --mount` failed (needs root): cases needing /tekton are skipped".into())
    }
}

/// Runs `case` through `binary` in a new sandbox and observes it.
///
/// Fails (with a one-line reason) when the sandbox cannot be made, the binary
/// cannot be started, or the run hangs past 30 s (it is then killed).
pub fn run(case: &Case, binary: &Path) -> Result<Observation, String> {
    let temp = tempfile::Builder::new()
        .prefix("compat-")
        .tempdir()
        .map_err(|e| format!("sandbox: {e}"))?;
    let sb = temp.path().join("sb");
    let root = temp.path().join("root");
    for dir in [&sb, &sb.join("home"), &sb.join("tekton"), &root] {
        std::fs::create_dir_all(dir).map_err(|e| format!("sandbox: {e}"))?;
    }
    for setup in &case.setup {
        make(&sb, setup).map_err(|e| format!("sandbox setup: {e}"))?;
    }
    let args: Vec<String> = case
        .args
        .iter()
        .map(|a| a.replace("{sb}", &sb.to_string_lossy()))
        .collect();
    let mut cmd = if case.tekton {
        let mut cmd = Command::new("unshare");
        cmd.args(["--mount", "--propagation", "private", "/bin/sh", "-c"])
            .arg(NAMESPACE_SCRIPT)
            .arg("sh")
            .arg(&root)
            .arg(&sb)
            .arg(binary);
        cmd
    } else {
        Command::new(binary)
    };
    cmd.args(&args)
        .current_dir(&sb)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
        .env("HOME", sb.join("home"))
        .envs(
            case.env
                .iter()
                .map(|(k, v)| (k, v.replace("{sb}", &sb.to_string_lossy()))),
        )
        .stdin(Stdio::null())
        .process_group(0);
    let out_path = temp.path().join("stdout");
    let err_path = temp.path().join("stderr");
    let out = std::fs::File::create(&out_path).map_err(|e| format!("sandbox: {e}"))?;
    let err = std::fs::File::create(&err_path).map_err(|e| format!("sandbox: {e}"))?;
    cmd.stdout(out).stderr(err);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > HANG => {
                kill_group(child.id());
                let _ = child.wait();
                return Err(format!(
                    "{} hung past {}s",
                    binary.display(),
                    HANG.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting for {}: {e}", binary.display())),
        }
    };
    // Grandchildren left behind (none expected) go with the group.
    kill_group(child.id());
    let status = match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(sig)) => format!("signal {sig}"),
        _ => "unknown".to_string(),
    };
    let read =
        |p: &PathBuf| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    let mut files = BTreeMap::new();
    walk(&sb, &sb, &mut files);
    let sb_text = sb.to_string_lossy().into_owned();
    let scrub = |s: String| s.replace(&sb_text, "{sb}");
    Ok(Observation {
        status,
        stdout: scrub(read(&out_path)),
        stderr: scrub(read(&err_path)),
        files: files.into_iter().map(|(k, v)| (k, scrub(v))).collect(),
    })
}

fn kill_group(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        let _ =
            nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), nix::sys::signal::SIGKILL);
    }
}

fn make(sb: &Path, setup: &Setup) -> std::io::Result<()> {
    let (path, content, mode) = match setup {
        Setup::Dir(path) => return std::fs::create_dir_all(sb.join(path)),
        Setup::File(path, content) => (path, content, 0o644),
        Setup::Mode(path, content, mode) => (path, content, *mode),
    };
    let path = sb.join(path);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&path, content)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
}

fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let rel = path
            .strip_prefix(base)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let mode = meta.permissions().mode() & 0o7777;
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).unwrap_or_default();
            out.insert(rel, format!("link -> {}", target.display()));
        } else if meta.is_dir() {
            out.insert(rel.clone(), "dir".to_string());
            walk(base, &path, out);
        } else {
            let bytes = std::fs::read(&path).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let text = if rel.ends_with("termination") {
                super::observe::mask_termination(&text)
            } else {
                text
            };
            out.insert(rel, format!("file {mode:o} {text:?}"));
        }
    }
}
