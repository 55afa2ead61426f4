//! The `podman` backend: the rendered Pod on real containers with
//! `podman kube play`, the harness playing the controller
//! (conformance/podman/NOTES.md has the procedure and why).

mod attempt;
pub mod cli;
pub mod logs;
pub mod manifest;

use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::Mutex;

use simulator::render::RenderOptions;
use simulator::status::RunStatus;

use super::{Backend, BackendError, Observation, Settings};
use crate::catalog::Case;
use cli::PodmanCli;

/// The containers.conf shipped with this crate.
pub fn default_containers_conf() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("podman")
        .join("containers.conf")
}

/// Why podman cannot be used here, or `None` when it can: `podman info`
/// must work with `conf` and every image in `images` must exist locally.
pub fn unavailable(conf: &Path, images: &[&str]) -> Option<String> {
    if !conf.is_file() {
        return Some(format!("{} does not exist", conf.display()));
    }
    let cli = PodmanCli::new(conf);
    match cli.output(&["info", "--format", "{{.Host.OCIRuntime.Name}}"]) {
        Err(e) => return Some(format!("{e} (install it with scripts/install-podman)")),
        Ok(out) if !out.status.success() => {
            return Some(format!(
                "`podman info` failed with CONTAINERS_CONF={}: {}",
                conf.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
        Ok(_) => {}
    }
    for image in images {
        match cli.output(&["image", "exists", image]) {
            Ok(out) if out.status.success() => {}
            _ => {
                return Some(format!(
                    "image {image} is missing: {}",
                    crate::entrypoints::build_hint(image)
                ))
            }
        }
    }
    None
}

/// Runs cases on podman. Pod removals run in the background and are waited
/// for when the backend is dropped.
pub struct Podman {
    cli: PodmanCli,
    images: RenderOptions,
    workers: usize,
    removals: Mutex<Vec<(Child, tempfile::TempDir)>>,
}

impl Podman {
    /// A podman backend; fails with [`BackendError::Unavailable`] when
    /// [`unavailable`] says why it cannot run.
    pub fn new(settings: &Settings) -> Result<Self, BackendError> {
        let images = [
            settings.images.entrypoint_image.as_str(),
            settings.images.shell_image.as_str(),
        ];
        if let Some(why) = unavailable(&settings.containers_conf, &images) {
            return Err(BackendError::Unavailable {
                backend: "podman",
                why,
            });
        }
        Ok(Self {
            cli: PodmanCli::new(&settings.containers_conf),
            images: settings.images.clone(),
            workers: settings.parallel.max(1),
            removals: Mutex::new(Vec::new()),
        })
    }

    fn remove_later(&self, pod: &str, dir: tempfile::TempDir) {
        match self.cli.spawn(&["pod", "rm", "-f", "-t", "0", pod]) {
            Ok(child) => {
                if let Ok(mut removals) = self.removals.lock() {
                    removals.retain_mut(|(child, _)| !matches!(child.try_wait(), Ok(Some(_))));
                    removals.push((child, dir));
                }
            }
            Err(_) => drop(dir),
        }
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        if let Ok(mut removals) = self.removals.lock() {
            for (mut child, _dir) in removals.drain(..) {
                let _ = child.wait();
            }
        }
    }
}

impl Backend for Podman {
    fn name(&self) -> &'static str {
        "podman"
    }

    fn workers(&self) -> usize {
        self.workers
    }

    /// Attempts until one succeeds, the run is cancelled or the retries are
    /// used up, each on a fresh Pod, like the simulator.
    fn run(&self, case: &Case) -> Result<Observation, BackendError> {
        let plan = case.plan(&self.images);
        let mut failed: Vec<RunStatus> = Vec::new();
        for n in 0..=plan.retries {
            let (status, logs) = attempt::run(self, case, &plan)?;
            let cancelled = status.reason() == "TaskRunCancelled";
            if status.succeeded() || cancelled || n == plan.retries {
                let mut status = status;
                status.retries_status = failed;
                return Ok(Observation { status, logs });
            }
            failed.push(status);
        }
        Err(BackendError::Run("no attempt ran".to_string()))
    }
}
