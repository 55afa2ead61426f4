//! The [`Sandbox`]: one test's temporary directory, its relocated Tekton root
//! and the paths the controller would give the steps of a Pod.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;

use tempfile::TempDir;

use super::{assert_still_running, read_opt, wait_child, write_file, Step, HANG};

/// A temporary directory holding a relocated Tekton root (`tekton/`) and the
/// other files of one test; removed when dropped.
pub struct Sandbox {
    dir: TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// Creates the sandbox and its `tekton/` root; panics when the temporary
    /// directory cannot be created.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("ep-test-")
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
        self.path("tekton")
    }

    /// A path under the relocated Tekton root.
    pub fn tekton(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    /// Writes `content` to `rel` under the sandbox (parents created) and
    /// returns its path.
    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        let p = self.path(rel);
        write_file(&p, content);
        p
    }

    /// `<sandbox>/termination`: the termination message file of [`Sandbox::step`].
    pub fn term(&self) -> PathBuf {
        self.path("termination")
    }

    /// `<sandbox>/termination-<i>`: the termination message file of
    /// [`Sandbox::pod_step`]`(i)`.
    pub fn pod_term(&self, i: usize) -> PathBuf {
        self.path(&format!("termination-{i}"))
    }

    /// `<root>/run/<i>/out`: step `i`'s post file.
    pub fn post(&self, i: usize) -> PathBuf {
        self.tekton(&format!("run/{i}/out"))
    }

    /// `<root>/run/<i>/status`: step `i`'s metadata dir.
    pub fn meta(&self, i: usize) -> PathBuf {
        self.tekton(&format!("run/{i}/status"))
    }

    /// `<root>/results/<name>`: where `-results` reads a task result.
    pub fn task_result_path(&self, name: &str) -> PathBuf {
        self.tekton(&format!("results/{name}"))
    }

    /// `<root>/steps/step-<step>/results/<name>`: where a
    /// `$(steps.<step>.results.<name>)` reference reads.
    pub fn step_result_path(&self, step: &str, name: &str) -> PathBuf {
        self.tekton(&format!("steps/step-{step}/results/{name}"))
    }

    /// Writes a result of another step, for substitution.
    pub fn step_result(&self, step: &str, name: &str, content: &str) {
        write_file(&self.step_result_path(step, name), content);
    }

    /// `<sandbox>/ran`: a marker file a command touches to prove it ran.
    pub fn marker(&self) -> PathBuf {
        self.path("ran")
    }

    /// A bare step: only the root env var and `-termination_path`
    /// [`Sandbox::term`] are set.
    pub fn step(&self) -> Step {
        Step::new(&self.root()).termination(self.term())
    }

    /// A step wired the way the controller wires step `i` of a Pod:
    /// `-post_file` [`Sandbox::post`]`(i)`, `-termination_path`
    /// [`Sandbox::pod_term`]`(i)`, `-step_metadata_dir` [`Sandbox::meta`]`(i)`
    /// and, for `i > 0`, `-wait_file` [`Sandbox::post`]`(i - 1)`.
    pub fn pod_step(&self, i: usize) -> Step {
        let s = Step::new(&self.root())
            .post_file(self.post(i))
            .termination(self.pod_term(i))
            .metadata(self.meta(i));
        match i {
            0 => s,
            _ => s.wait_file(self.post(i - 1)),
        }
    }

    /// The binary run with exactly `argv` (a subcommand such as `step-init`,
    /// or a hand-written flag list) under this sandbox's root.
    pub fn invoke<I, S>(&self, argv: I) -> assert_cmd::Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Step::new(&self.root()).raw(argv).command()
    }

    /// Spawns `step` (stderr to `<sandbox>/stderr`), asserts it is still
    /// waiting after [`super::STILL_WAITING`] (`why` says on what), calls
    /// `release`, then waits for it to exit and returns its status. Panics
    /// when it exits too early or is still running after [`HANG`] (it is then
    /// killed); its stderr stays in `<sandbox>/stderr` for diagnostics.
    pub fn run_paused(&self, step: &Step, why: &str, release: impl FnOnce()) -> ExitStatus {
        let stderr = self.path("stderr");
        let mut child = step.spawn(&stderr);
        assert_still_running(&mut child, why);
        release();
        wait_child(&mut child)
    }

    /// Runs `step` (flags only) with `-post_file <sandbox>/out` and the
    /// command `true` to completion; asserts it succeeds and posts.
    pub fn assert_succeeds_and_posts(&self, step: Step) {
        let post = self.path("out");
        step.post_file(&post)
            .sh("true")
            .command()
            .assert()
            .success();
        assert!(post.exists(), "post file missing");
    }

    /// Spawns `step` (flags only, it must wait for something) with
    /// `-post_file <sandbox>/out` and the command `true`, asserts it keeps
    /// waiting (`why`), calls `release`, then asserts it succeeds and posts.
    pub fn assert_waits_then_succeeds(&self, step: Step, why: &str, release: impl FnOnce()) {
        let post = self.path("out");
        let st = self.run_paused(&step.post_file(&post).sh("true"), why, release);
        assert!(
            st.success(),
            "{why}: exit {st}; stderr: {:?}",
            read_opt(&self.path("stderr"))
        );
        assert!(post.exists(), "{why}: post file missing");
    }
}
