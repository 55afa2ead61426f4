//! The contract checker against podsim's custom-task controller on a live
//! cluster, both through their real binaries: `podsim customrun controller`
//! serves the built-in Wait task, `conformance customrun --kubeconfig K
//! --builtin wait` must find every MUST passed.
//!
//! The cluster: `CUSTOMRUN_KUBECONFIG`, else scripts/cluster's admin
//! kubeconfig (`target/cluster/run/admin.kubeconfig`), with Tekton's
//! CustomRun CRD installed (scripts/customrun-cluster installs it and runs
//! this test). Without a cluster that answers, or without podsim built next to
//! conformance, the test is skipped with the reason printed; with
//! `CONFORMANCE_REQUIRE` listing `customrun-cluster` (scripts/customrun-cluster
//! sets it) that is a failure. (`cluster` alone is not enough: `cargo test`
//! runs before the cluster tier brings a cluster up.)

use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;

const TIER: &str = "customrun-cluster";

fn required() -> bool {
    std::env::var("CONFORMANCE_REQUIRE").is_ok_and(|v| v.split(',').any(|t| t.trim() == TIER))
}

fn skip_or_fail(why: &str) {
    assert!(
        !required(),
        "CONFORMANCE_REQUIRE={TIER}, but it cannot run: {why}"
    );
    eprintln!("SKIPPED the CustomRun checker on a cluster: {why}");
}

fn kubeconfig() -> PathBuf {
    std::env::var_os("CUSTOMRUN_KUBECONFIG").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/cluster/run/admin.kubeconfig"),
        PathBuf::from,
    )
}

/// podsim, built next to this conformance binary (same target dir).
fn podsim() -> Option<PathBuf> {
    let conformance = assert_cmd::cargo::cargo_bin("conformance");
    let podsim = conformance.parent()?.join("podsim");
    podsim.is_file().then_some(podsim)
}

struct Controller(Child);

impl Drop for Controller {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.0.id()) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        let _ = self.0.wait();
    }
}

/// Starts the controller and waits (bounded) until it watches.
fn start_controller(podsim: &Path, kubeconfig: &Path, log: &Path) -> Result<Controller, String> {
    let file = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let child = Process::new(podsim)
        .args([
            "customrun",
            "controller",
            "--namespace",
            "default",
            "--kubeconfig",
        ])
        .arg(kubeconfig)
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", podsim.display()))?;
    let mut controller = Controller(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains("watching customruns") {
            return Ok(controller);
        }
        if let Ok(Some(status)) = controller.0.try_wait() {
            return Err(format!("the controller exited ({status}): {text}"));
        }
        if Instant::now() > deadline {
            return Err(format!("the controller is not watching after 30s: {text}"));
        }
        // Polling a log file for a line the child writes: the event has no other signal.
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_wait_controller_passes_every_must_on_a_cluster() {
    let kubeconfig = kubeconfig();
    if !kubeconfig.is_file() {
        return skip_or_fail(&format!("no kubeconfig at {}", kubeconfig.display()));
    }
    let Some(podsim) = podsim() else {
        return skip_or_fail("podsim is not built next to conformance (cargo build -p simulator)");
    };
    let dir = tempfile::tempdir().expect("a temp dir");
    let log = dir.path().join("controller.log");
    let controller = match start_controller(&podsim, &kubeconfig, &log) {
        Ok(controller) => controller,
        // Exit 2 with one line: no cluster answers, or no CRD.
        Err(why) => return skip_or_fail(&why),
    };
    let out = Command::cargo_bin("conformance")
        .expect("the conformance binary is built")
        .args([
            "customrun",
            "--builtin",
            "wait",
            "--namespace",
            "default",
            "--kubeconfig",
        ])
        .arg(&kubeconfig)
        .timeout(Duration::from_secs(300))
        .output()
        .expect("run the checker");
    drop(controller);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        out.status.success() && stdout.contains(" passed, 0 failed"),
        "checker: {stdout}{}\ncontroller log:\n{log}",
        String::from_utf8_lossy(&out.stderr)
    );
}
