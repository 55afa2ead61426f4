//! Where the CustomRuns under check run: an external runner driven through
//! podsim's protocol ([`LocalTarget`]), or a cluster (`cluster`).

use std::sync::Arc;
use std::time::Duration;

use simulator::customrun::external::External;
use simulator::customrun::{self, Control, CustomRun, CustomRunStatus, Registry};

/// Something that runs CustomRuns.
pub trait Target {
    /// Creates `run` and lets it start. Err: it was refused outright (on a
    /// cluster, by the admission webhook), with the reason.
    fn start(&self, run: CustomRun) -> Result<Box<dyn Handle>, String>;
}

/// One started CustomRun.
pub trait Handle {
    /// Writes `spec.status: RunCancelled` and `spec.statusMessage`.
    fn cancel(&self, message: &str);
    /// Waits up to `timeout` for a status satisfying `done`.
    fn wait_status(
        &self,
        timeout: Duration,
        done: &dyn Fn(&CustomRunStatus) -> bool,
    ) -> Option<CustomRunStatus>;
    /// Every distinct status seen so far, oldest first.
    fn history(&self) -> Vec<CustomRunStatus>;
    /// Cancels if still running and releases everything (processes, objects).
    fn finish(self: Box<Self>);
}

/// An external runner run the way `podsim` runs it.
pub struct LocalTarget {
    registry: Arc<Registry>,
}

impl LocalTarget {
    /// Registers `runner` for the profile's type.
    pub fn new(api_version: &str, kind: &str, runner: External) -> LocalTarget {
        let mut registry = Registry::empty();
        registry.register(api_version, kind, Arc::new(runner));
        LocalTarget {
            registry: Arc::new(registry),
        }
    }

    /// The built-in runners (the Wait task).
    pub fn builtins() -> LocalTarget {
        LocalTarget {
            registry: Arc::new(Registry::with_builtins()),
        }
    }
}

struct LocalHandle {
    control: Arc<Control>,
    worker: Option<std::thread::JoinHandle<()>>,
}

impl Target for LocalTarget {
    fn start(&self, run: CustomRun) -> Result<Box<dyn Handle>, String> {
        let control = Arc::new(Control::new());
        let registry = self.registry.clone();
        let shared = control.clone();
        let worker = std::thread::Builder::new()
            .name("customrun".into())
            .spawn(move || {
                customrun::run(&run, &registry, &shared);
            })
            .map_err(|e| format!("cannot start a thread: {e}"))?;
        Ok(Box::new(LocalHandle {
            control,
            worker: Some(worker),
        }))
    }
}

impl Handle for LocalHandle {
    fn cancel(&self, message: &str) {
        self.control.cancel(message);
    }

    fn wait_status(
        &self,
        timeout: Duration,
        done: &dyn Fn(&CustomRunStatus) -> bool,
    ) -> Option<CustomRunStatus> {
        self.control.wait_status(timeout, done)
    }

    fn history(&self) -> Vec<CustomRunStatus> {
        self.control.history()
    }

    fn finish(mut self: Box<Self>) {
        self.control.cancel("checker cleanup");
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}
