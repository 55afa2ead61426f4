//! Ctrl-C (SIGINT) on `podsim run`: every process is killed, the Pod
//! directory is removed, and the status says the run was cancelled.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// Live (non-zombie) processes whose command line contains `token`.
fn processes_with(token: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("read /proc").flatten() {
        let dir = entry.path();
        let Ok(cmdline) = std::fs::read(dir.join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let stat = std::fs::read_to_string(dir.join("stat")).unwrap_or_default();
        let zombie = stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z'));
        if cmdline.contains(token) && !zombie {
            found.push(cmdline);
        }
    }
    found
}

/// The first file named `name` under `dir`, searched depth first.
fn find(dir: &Path, name: &str) -> Option<std::path::PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if entry.file_name() == name {
            return Some(path);
        }
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            if let Some(found) = find(&path, name) {
                return Some(found);
            }
        }
    }
    None
}

#[test]
fn sigint_kills_every_process_and_removes_the_pod_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path();
    // Unique arguments identify this test's processes in /proc. The step
    // starts a background job in a process group of its own (`set -m`): only
    // the session sweep finds it.
    let token = format!("3{:06}", std::process::id() % 1_000_000);
    let scenario = format!(
        r#"
name: interrupted
sidecars:
  - name: side
    command: [sleep, "{token}1"]
steps:
  - name: long
    script: |
      pwd > {out}/workdir
      set -m
      sleep {token}2 &
      set +m
      touch {out}/started
      exec sleep {token}3
  - name: never
    command: [touch, {out}/never]
"#,
        out = out.display()
    );
    let file = out.join("scenario.yaml");
    std::fs::write(&file, scenario).expect("write scenario");

    common::entrypoint();
    let child = Command::new(assert_cmd::cargo::cargo_bin("podsim"))
        // Path mode (runtime_isolation.rs covers Ctrl-C in namespace mode):
        // the step's files under `out` do not exist on the host, so they
        // land in its private directory inside the Pod directory, under `out`.
        .env("PODSIM_TMPDIR", out)
        .args(["run", "--isolation", "paths", "-o", "yaml"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start podsim");
    let pid = Pid::from_raw(child.id() as i32);
    let started = Instant::now();
    let private = loop {
        if let Some(found) = find(out, "started") {
            break found.parent().expect("a directory").to_path_buf();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the step never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    // `touch started` comes just before `exec sleep`: wait for the exec.
    while processes_with(&token).len() < 3 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        processes_with(&token).len(),
        3,
        "{:?}",
        processes_with(&token)
    );

    kill(pid, Signal::SIGINT).expect("send SIGINT");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    let output = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("podsim exits after SIGINT")
        .expect("podsim output");

    assert_eq!(output.status.code(), Some(130));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("reason: TaskRunCancelled"), "{stdout}");
    assert_eq!(processes_with(&token), Vec::<String>::new());
    assert!(
        !private.exists(),
        "Pod directory {} left behind",
        private.display()
    );
    assert_eq!(find(out, "never"), None);
}
