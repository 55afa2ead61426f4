//! One differential case: a command line, the files it starts with, and what
//! of its outcome matters.

/// A file or directory a case creates in its sandbox before the run. Paths are
/// relative to the sandbox; `tekton/...` is what the run sees as `/tekton/...`
/// when the case needs the real `/tekton`.
#[derive(Clone, Debug)]
pub enum Setup {
    /// A regular file with this content (mode 0644).
    File(&'static str, String),
    /// A regular file with this content and mode.
    Mode(&'static str, String, u32),
    /// An empty directory.
    Dir(&'static str),
}

/// One invocation run through both binaries in identical fresh sandboxes.
///
/// `args` may hold `{sb}`, replaced by the sandbox's absolute path. The
/// environment is cleared except `PATH`, `HOME` (the sandbox's `home/`) and
/// `env`. `tekton` cases run in a private mount namespace where `/tekton` is
/// the sandbox's `tekton/` directory.
#[derive(Clone, Debug)]
pub struct Case {
    /// Unique name, referred to by `compat/deviations.yaml`.
    pub name: &'static str,
    /// Arguments after the binary.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(&'static str, String)>,
    /// Files created before the run.
    pub setup: Vec<Setup>,
    /// Runs with the real `/tekton` (private mount namespace).
    pub tekton: bool,
    /// The command's standard output is compared.
    pub stdout: bool,
    /// The wrappers' standard error is compared (only where the wrapper prints
    /// nothing of its own, e.g. a command writing to stderr).
    pub stderr: bool,
}

impl Case {
    /// A case running `args` with stdout compared and nothing set up.
    pub fn new(name: &'static str, args: &[&str]) -> Case {
        Case {
            name,
            args: args.iter().map(|a| a.to_string()).collect(),
            env: Vec::new(),
            setup: Vec::new(),
            tekton: false,
            stdout: true,
            stderr: false,
        }
    }

    /// Adds an environment variable.
    pub fn env(mut self, key: &'static str, value: &str) -> Case {
        self.env.push((key, value.to_string()));
        self
    }

    /// Adds a file to create before the run.
    pub fn file(mut self, path: &'static str, content: &str) -> Case {
        self.setup.push(Setup::File(path, content.to_string()));
        self
    }

    /// Adds a file with a mode to create before the run.
    pub fn mode(mut self, path: &'static str, content: &str, mode: u32) -> Case {
        self.setup
            .push(Setup::Mode(path, content.to_string(), mode));
        self
    }

    /// Adds a directory to create before the run.
    pub fn dir(mut self, path: &'static str) -> Case {
        self.setup.push(Setup::Dir(path));
        self
    }

    /// Runs the case with the real `/tekton`.
    pub fn tekton(mut self) -> Case {
        self.tekton = true;
        self
    }

    /// Also compares standard error.
    pub fn stderr(mut self) -> Case {
        self.stderr = true;
        self
    }
}
