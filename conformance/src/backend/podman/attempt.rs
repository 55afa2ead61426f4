//! One attempt on podman: adapt, play, drive, inspect, remove.

use std::collections::BTreeMap;
use std::process::Child;
use std::time::{Duration, Instant, SystemTime};

use serde::Deserialize;
use simulator::plan::{ProbeCheck, RunPlan};
use simulator::status::{Ending, RunStatus};

use super::manifest::{self, HostFiles};
use super::{logs, Podman};
use crate::backend::controller::{self, Downward, PodDriver, SidecarState};
use crate::backend::judge::{self, SidecarFacts, StepFacts};
use crate::backend::BackendError;
use crate::catalog::Case;
use crate::timestamp;

/// Termination messages are cut where the kubelet cuts them.
const MESSAGE_LIMIT: usize = 4096;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Inspected {
    name: String,
    state: InspectedState,
    #[serde(default)]
    host_config: Option<InspectedHost>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InspectedState {
    status: String,
    #[serde(default)]
    exit_code: i32,
    #[serde(default)]
    finished_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InspectedHost {
    #[serde(default)]
    log_config: Option<InspectedLog>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InspectedLog {
    #[serde(default)]
    path: Option<String>,
}

fn unique_pod_name(case: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mix = nanos
        ^ std::process::id().rotate_left(16)
        ^ COUNTER
            .fetch_add(1, Ordering::SeqCst)
            .wrapping_mul(2_654_435_761);
    let stem: String = case.chars().take(30).collect();
    format!("sw-{}-{:06x}", stem.trim_end_matches('-'), mix & 0xff_ffff)
}

/// Runs one attempt of `plan`; returns its status (without retries) and the
/// containers' output.
pub(super) fn run(
    backend: &Podman,
    case: &Case,
    plan: &RunPlan,
) -> Result<(RunStatus, BTreeMap<String, String>), BackendError> {
    let dir = tempfile::Builder::new()
        .prefix("conformance-podman-")
        .tempdir()
        .map_err(|e| BackendError::Run(format!("cannot create a run directory: {e}")))?;
    let pod_name = unique_pod_name(&case.name);
    let (pod, files) = manifest::adapt(&plan.pod, &pod_name, dir.path());
    manifest::create_host_files(&files)
        .map_err(|e| BackendError::Run(format!("cannot create host files: {e}")))?;
    let yaml = serde_norway::to_string(&pod)
        .map_err(|e| BackendError::Run(format!("cannot write the Pod: {e}")))?;
    let manifest_path = dir.path().join("pod.yaml");
    std::fs::write(&manifest_path, yaml)
        .map_err(|e| BackendError::Run(format!("cannot write the Pod: {e}")))?;

    let result = drive(
        backend,
        case,
        plan,
        &pod_name,
        &files,
        &manifest_path.display().to_string(),
    );
    backend.remove_later(&pod_name, dir);
    result
}

fn drive(
    backend: &Podman,
    case: &Case,
    plan: &RunPlan,
    pod_name: &str,
    files: &HostFiles,
    manifest_path: &str,
) -> Result<(RunStatus, BTreeMap<String, String>), BackendError> {
    let cli = &backend.cli;
    if let (true, Some(dir)) = (plan.ready_at_start(), &files.downward) {
        manifest::write_downward(dir, "ready", "READY")
            .map_err(|e| BackendError::Run(format!("write the downward ready file: {e}")))?;
    }
    let played = cli.output(&["kube", "play", "--network=none", manifest_path])?;
    let ctr = |name: &str| format!("{pod_name}-{name}");
    let (ending, ready) = if played.status.success() {
        let mut driver = Driver {
            backend,
            pod: pod_name.to_string(),
            steps: plan.steps.iter().map(|s| ctr(&s.container)).collect(),
            sidecars: plan.sidecars.iter().map(|s| ctr(&s.container)).collect(),
            downward: files,
            waiter: None,
        };
        let result = controller::play(&mut driver, plan, case.cancel_after);
        driver.reap();
        let played = result?;
        (played.ending, played.ready)
    } else {
        let why = String::from_utf8_lossy(&played.stderr).trim().to_string();
        (
            Some(Ending::PodFailed(format!("podman kube play failed: {why}"))),
            vec![false; plan.sidecars.len()],
        )
    };

    let names: Vec<String> = plan
        .steps
        .iter()
        .map(|s| ctr(&s.container))
        .chain(plan.sidecars.iter().map(|s| ctr(&s.container)))
        .collect();
    let mut args = vec!["inspect", "--type", "container"];
    args.extend(names.iter().map(String::as_str));
    let out = cli.output(&args)?;
    let inspected: Vec<Inspected> = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let find = |name: &str| inspected.iter().find(|i| i.name == name);
    let exit_of = |i: &Inspected| {
        (i.state.status == "exited" || i.state.status == "stopped").then(|| {
            let at = timestamp::parse(&i.state.finished_at).unwrap_or_else(SystemTime::now);
            judge::exit_from_code(i.state.exit_code, at)
        })
    };
    let mut logs_by_container = BTreeMap::new();
    let steps: Vec<StepFacts> = plan
        .steps
        .iter()
        .map(|step| {
            let found = find(&ctr(&step.container));
            if let Some(text) = found.and_then(read_log) {
                logs_by_container.insert(step.container.clone(), text);
            }
            StepFacts {
                exit: found.and_then(exit_of),
                message: files
                    .termination
                    .get(&step.container)
                    .map(|f| read_message(f))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let sidecars: Vec<SidecarFacts> = plan
        .sidecars
        .iter()
        .enumerate()
        .map(|(i, sidecar)| SidecarFacts {
            ready: ready.get(i).copied().unwrap_or(false),
            exit: find(&ctr(&sidecar.container)).and_then(exit_of),
        })
        .collect();
    let status = judge::status(plan, pod_name, &steps, &sidecars, ending);
    Ok((status, logs_by_container))
}

fn read_log(inspected: &Inspected) -> Option<String> {
    let path = inspected
        .host_config
        .as_ref()?
        .log_config
        .as_ref()?
        .path
        .as_ref()?;
    std::fs::read_to_string(path)
        .ok()
        .map(|text| logs::k8s_file_text(&text))
}

fn read_message(file: &std::path::Path) -> String {
    let bytes = std::fs::read(file).unwrap_or_default();
    String::from_utf8_lossy(&bytes[..bytes.len().min(MESSAGE_LIMIT)]).into_owned()
}

struct Driver<'a> {
    backend: &'a Podman,
    pod: String,
    steps: Vec<String>,
    sidecars: Vec<String>,
    downward: &'a HostFiles,
    waiter: Option<Child>,
}

impl Driver<'_> {
    fn reap(&mut self) {
        if let Some(mut child) = self.waiter.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl PodDriver for Driver<'_> {
    fn sidecar_state(&mut self, index: usize) -> Result<SidecarState, BackendError> {
        let name = &self.sidecars[index];
        let out = self.backend.cli.ok(&[
            "inspect",
            "--type",
            "container",
            "--format",
            "{{.State.Status}}",
            name,
        ])?;
        Ok(match out.trim() {
            "running" => SidecarState::Running,
            "exited" | "stopped" | "stopping" => SidecarState::Exited,
            _ => SidecarState::Waiting,
        })
    }

    fn probe(&mut self, index: usize, check: &ProbeCheck) -> Result<bool, BackendError> {
        let argv: Vec<String> = match check {
            ProbeCheck::Exec(argv) => argv.clone(),
            ProbeCheck::File(path) => vec!["test".to_string(), "-e".to_string(), path.clone()],
        };
        let mut args = vec!["exec", self.sidecars[index].as_str()];
        args.extend(argv.iter().map(String::as_str));
        Ok(self.backend.cli.output(&args)?.status.success())
    }

    fn set(&mut self, file: Downward) -> Result<(), BackendError> {
        let Some(dir) = &self.downward.downward else {
            return Ok(());
        };
        let (name, value) = match file {
            Downward::Ready => ("ready", "READY"),
            Downward::Cancel => ("cancel", "CANCEL"),
        };
        manifest::write_downward(dir, name, value)
            .map_err(|e| BackendError::Run(format!("cannot write {name}: {e}")))
    }

    fn steps_done(&mut self, wait: Duration) -> Result<bool, BackendError> {
        if self.waiter.is_none() {
            let mut args = vec!["wait", "-i", "50ms"];
            args.extend(self.steps.iter().map(String::as_str));
            self.waiter = Some(self.backend.cli.spawn(&args)?);
        }
        let deadline = Instant::now() + wait;
        loop {
            let Some(child) = self.waiter.as_mut() else {
                return Ok(true);
            };
            match child.try_wait() {
                Ok(Some(_)) => {
                    self.waiter = None;
                    return Ok(true);
                }
                Ok(None) if Instant::now() >= deadline => return Ok(false),
                Ok(None) => std::thread::sleep(Duration::from_millis(20).min(wait)),
                Err(e) => return Err(BackendError::Run(format!("podman wait: {e}"))),
            }
        }
    }

    fn kill(&mut self) -> Result<(), BackendError> {
        // Fails when nothing runs any more: that is fine.
        let _ = self.backend.cli.output(&["pod", "kill", &self.pod])?;
        Ok(())
    }

    fn stop_sidecars(&mut self) -> Result<(), BackendError> {
        if self.sidecars.is_empty() {
            return Ok(());
        }
        let mut args = vec!["stop", "-t", "1"];
        args.extend(self.sidecars.iter().map(String::as_str));
        let _ = self.backend.cli.output(&args)?;
        Ok(())
    }
}
