//! Which filesystem isolation a run gets: each container in its own mount
//! namespace (the paths a real Pod's container sees), or path mapping (host
//! processes whose container paths are rewritten into the Pod directory).

use std::sync::OnceLock;

/// The isolation a caller asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Isolation {
    /// Namespaces when the kernel allows them here, else paths.
    #[default]
    Auto,
    /// Mount namespaces; a run fails to start a container where they are not available.
    Namespaces,
    /// Path mapping, no namespaces.
    Paths,
}

/// The isolation a run really uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every container in its own mount namespace.
    Namespaces,
    /// Path mapping into the Pod directory.
    Paths,
}

impl Mode {
    /// `namespaces` or `paths`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Namespaces => "namespaces",
            Mode::Paths => "paths",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Isolation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Isolation::Auto),
            "namespaces" => Ok(Isolation::Namespaces),
            "paths" => Ok(Isolation::Paths),
            other => Err(format!(
                "unknown isolation {other:?} (expected auto, namespaces or paths)"
            )),
        }
    }
}

impl Isolation {
    /// The mode a run with this setting uses: `Auto` is namespaces when
    /// [`namespaces_available`], else paths; `Namespaces` is namespaces
    /// whatever the kernel says (containers then fail to start, with the
    /// kernel's reason in their log).
    pub fn resolve(self) -> Mode {
        match self {
            Isolation::Paths => Mode::Paths,
            Isolation::Namespaces => Mode::Namespaces,
            Isolation::Auto if namespaces_available() => Mode::Namespaces,
            Isolation::Auto => Mode::Paths,
        }
    }
}

/// Whether this process can give a child its own mount namespace: as root
/// (`CAP_SYS_ADMIN`) directly, otherwise through an unprivileged user
/// namespace. Checked once per process by starting `true` in a new
/// namespace.
pub fn namespaces_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        use std::os::unix::process::CommandExt;
        let flags = namespace_flags();
        let mut command = std::process::Command::new("true");
        command
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        // SAFETY: unshare is async-signal-safe; nothing else runs in the child.
        unsafe {
            command.pre_exec(move || {
                if libc::unshare(flags) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
        command.status().is_ok_and(|s| s.success())
    })
}

/// `unshare` flags for a container: a mount namespace, inside a user
/// namespace when not root.
pub(crate) fn namespace_flags() -> libc::c_int {
    if is_root() {
        libc::CLONE_NEWNS
    } else {
        libc::CLONE_NEWNS | libc::CLONE_NEWUSER
    }
}

/// Whether this process runs with effective uid 0.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}
