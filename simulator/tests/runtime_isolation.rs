//! Filesystem isolation through the real binary: in namespace mode each
//! container sees only its own mounts and a private writable root; in path
//! mode nothing is written outside the Pod directory; a Pod whose mounts do
//! not match is diagnosed as stuck at once in both modes.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use simulator::runtime::isolation::namespaces_available;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lint")
        .join(name)
}

/// `podsim run` with Pod directories under `base`, a generous anti-hang bound.
fn podsim(base: &Path, isolation: &str) -> Command {
    common::entrypoint();
    let mut cmd = Command::cargo_bin("podsim").expect("podsim binary");
    cmd.env("PODSIM_TMPDIR", base)
        .timeout(Duration::from_secs(60))
        .args(["run", "--isolation", isolation]);
    cmd
}

/// The modes this machine can run.
fn modes() -> Vec<&'static str> {
    let mut modes = vec!["paths"];
    if namespaces_available() {
        modes.push("namespaces");
    } else {
        eprintln!("namespace mode skipped: no mount namespaces for this user");
    }
    modes
}

/// A top-level host path nobody else uses.
fn outside(tag: &str) -> PathBuf {
    PathBuf::from(format!("/podsim-outside-{tag}-{}", std::process::id()))
}

#[test]
fn mismatched_mounts_are_diagnosed_as_stuck_without_writing_outside_the_pod() {
    for mode in modes() {
        let base = tempfile::tempdir().expect("temp dir");
        podsim(base.path(), mode)
            .arg(fixture("mismatched-mounts.yaml"))
            .assert()
            .code(1)
            .stdout(predicate::str::contains("Stuck"))
            .stdout(predicate::str::contains(
                "'second' waits for /sequence/first, but 'second' has no volume at /sequence, \
                 so the file 'first' posts there is not the one 'second' sees",
            ))
            .stderr(predicate::str::contains(format!("isolation: {mode}")));
        for typo in ["/sequence", "/sequnce"] {
            assert!(
                !Path::new(typo).exists(),
                "{mode}: {typo} was created on the host"
            );
        }
        let left: Vec<_> = std::fs::read_dir(base.path())
            .expect("read base")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("podsim-"))
            .collect();
        assert!(
            left.is_empty(),
            "{mode}: the Pod directory was left behind: {left:?}"
        );
    }
}

#[test]
fn writes_outside_every_volume_stay_in_the_container() {
    for mode in modes() {
        let base = tempfile::tempdir().expect("temp dir");
        let path = outside(mode);
        let scenario = base.path().join("scenario.yaml");
        std::fs::write(
            &scenario,
            format!(
                "name: private\nsteps:\n  - name: writer\n    command: [sh, -c, 'mkdir -p {p} && echo mine > {p}/f && cat {p}/f']\n  - name: reader\n    command: [sh, -c, 'test ! -e {p}/f && echo unseen']\n",
                p = path.display()
            ),
        )
        .expect("write scenario");
        podsim(base.path(), mode)
            .arg("--logs")
            .arg(&scenario)
            .assert()
            .success()
            .stdout(predicate::str::contains("[step-writer] mine"))
            .stdout(predicate::str::contains("[step-reader] unseen"));
        assert!(
            !path.exists(),
            "{mode}: {} was written on the host",
            path.display()
        );
    }
}

#[test]
fn namespace_mode_shows_container_paths_and_honours_read_only_and_sub_path() {
    if !namespaces_available() {
        eprintln!("skipped: no mount namespaces for this user");
        return;
    }
    let base = tempfile::tempdir().expect("temp dir");
    let pod = base.path().join("pod.yaml");
    std::fs::write(
        &pod,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: views}
spec:
  restartPolicy: Never
  volumes: [{name: data, emptyDir: {}}]
  containers:
    - name: writer
      image: shell
      command: [sh, -c, 'echo hi > /sub/file && echo root > /etc/podsim-private && echo tmp > /tmp/own && pwd']
      workingDir: /work/here
      volumeMounts: [{name: data, mountPath: /sub, subPath: part}]
    - name: reader
      image: shell
      command: [sh, -c, 'while [ ! -e /data/part/file ]; do sleep 0.01; done; cat /data/part/file; test ! -e /etc/podsim-private && test ! -e /tmp/own && echo private; touch /data/x 2>/dev/null || echo read-only']
      volumeMounts: [{name: data, mountPath: /data, readOnly: true}]
"#,
    )
    .expect("write pod");
    podsim(base.path(), "namespaces")
        .arg("--logs")
        .arg(&pod)
        .assert()
        .success()
        .stdout(predicate::str::contains("[writer] /work/here"))
        .stdout(predicate::str::contains("[reader] hi"))
        .stdout(predicate::str::contains("[reader] private"))
        .stdout(predicate::str::contains("[reader] read-only"));
    assert!(!Path::new("/etc/podsim-private").exists());
}

/// Mount namespaces other than this process's own that hold a process
/// whose root or working directory is under `base`.
fn processes_under(base: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("read /proc").flatten() {
        for link in ["cwd", "root"] {
            if let Ok(target) = std::fs::read_link(entry.path().join(link)) {
                if target.starts_with(base) {
                    found.push(format!(
                        "{} {link} {}",
                        entry.path().display(),
                        target.display()
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn nothing_is_left_mounted_or_running_after_a_run() {
    for mode in modes() {
        let base = tempfile::tempdir().expect("temp dir");
        podsim(base.path(), mode)
            .arg(common::examples_dir().join("sidecar-readiness.yaml"))
            .assert()
            .success();
        let mounts_after = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
        let base_text = base.path().display().to_string();
        assert!(
            !mounts_after.contains(&base_text),
            "{mode}: a mount under the Pod directory is left"
        );
        assert_eq!(processes_under(base.path()), Vec::<String>::new(), "{mode}");
        let left: Vec<_> = std::fs::read_dir(base.path())
            .expect("read base")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("podsim-"))
            .collect();
        assert!(
            left.is_empty(),
            "{mode}: the Pod directory was left behind: {left:?}"
        );
    }
}

#[test]
fn hang_timeout_ends_waits_that_cannot_be_proven_stuck() {
    let base = tempfile::tempdir().expect("temp dir");
    let pod = base.path().join("pod.yaml");
    // 'second' waits on a shared volume that a running sidecar could write:
    // not provably stuck, so only the hang timeout ends it.
    let text = std::fs::read_to_string(fixture("mismatched-mounts.yaml"))
        .expect("fixture")
        .replace("/sequnce", "/sequence")
        .replace("- /sequence/first\n        - -post_file", "- /sequence/never\n        - -post_file")
        .replace(
            "  containers:\n",
            "  containers:\n    - name: sidecar-idle\n      image: shell\n      command: [sleep, '3600']\n      volumeMounts: [{name: sequence, mountPath: /sequence}]\n",
        );
    std::fs::write(&pod, text).expect("write pod");
    podsim(base.path(), "paths")
        .args(["--hang-timeout", "300ms"])
        .arg(&pod)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Stuck"))
        .stdout(predicate::str::contains(
            "'second' still waits for /sequence/never after the hang timeout (300ms)",
        ));
}

#[test]
fn ctrl_c_in_namespace_mode_leaves_no_process_mount_or_directory() {
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;
    if !namespaces_available() {
        eprintln!("skipped: no mount namespaces for this user");
        return;
    }
    common::entrypoint();
    let base = tempfile::tempdir().expect("temp dir");
    let pod = base.path().join("pod.yaml");
    std::fs::write(
        &pod,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: interrupted}
spec:
  restartPolicy: Never
  volumes: [{name: data, emptyDir: {}}]
  containers:
    - name: long
      image: shell
      command: [sh, -c, 'set -m; sleep 3601 & set +m; touch /data/started; exec sleep 3602']
      volumeMounts: [{name: data, mountPath: /data}]
"#,
    )
    .expect("write pod");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("podsim"))
        .env("PODSIM_TMPDIR", base.path())
        .args(["run", "-q", "--isolation", "namespaces"])
        .arg(&pod)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start podsim");
    let started = std::time::Instant::now();
    let marker = loop {
        let found = std::fs::read_dir(base.path())
            .expect("read base")
            .flatten()
            .map(|e| e.path().join("volumes/data/started"))
            .find(|p| p.exists());
        if let Some(found) = found {
            break found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the step never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(!processes_under(marker.ancestors().nth(3).expect("pod dir")).is_empty());
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).expect("send SIGINT");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait podsim") {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "podsim did not end after SIGINT"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(130));
    assert_eq!(processes_under(base.path()), Vec::<String>::new());
    let mounts_after = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    let base_text = base.path().display().to_string();
    assert!(
        !mounts_after.contains(&base_text),
        "a mount under the Pod directory is left"
    );
    let left: Vec<_> = std::fs::read_dir(base.path())
        .expect("read base")
        .flatten()
        .filter(|e| e.file_name() != "pod.yaml")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
