//! Starting a process in a session of its own with `posix_spawn`.
//!
//! std's `Command` can only call `setsid` through a `pre_exec` hook, which
//! forces a `fork` of the whole parent; with a large Pod in memory that costs
//! tens of milliseconds per container. glibc and musl's `posix_spawn` use a
//! vfork-style clone and know `POSIX_SPAWN_SETSID`, so a container starts in
//! well under a millisecond of parent time.

use std::ffi::{CString, OsStr};
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// What to start.
pub struct SpawnRequest<'a> {
    /// Program: a path, or a name looked up in the host `PATH`.
    pub program: &'a str,
    /// Arguments after the program name.
    pub args: &'a [String],
    /// The complete environment.
    pub env: &'a [(String, String)],
    /// Working directory of the child.
    pub dir: &'a Path,
    /// File receiving stdout and stderr.
    pub output: &'a std::fs::File,
}

fn cstring(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "argument contains a NUL byte"))
}

fn check(ret: libc::c_int) -> io::Result<()> {
    if ret == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(ret))
    }
}

struct Attr(libc::posix_spawnattr_t);
impl Drop for Attr {
    fn drop(&mut self) {
        // SAFETY: initialised by posix_spawnattr_init in `spawn_session`.
        unsafe { libc::posix_spawnattr_destroy(&mut self.0) };
    }
}

struct Actions(libc::posix_spawn_file_actions_t);
impl Drop for Actions {
    fn drop(&mut self) {
        // SAFETY: initialised by posix_spawn_file_actions_init in `spawn_session`.
        unsafe { libc::posix_spawn_file_actions_destroy(&mut self.0) };
    }
}

/// Starts `request` as the leader of a new session (pid = pgid = sid) with
/// an empty signal mask, default signal dispositions (SIGPIPE included, which
/// Rust programs ignore), stdin from `/dev/null`, stdout and stderr to
/// `request.output`, in `request.dir`. Returns the child's pid. Fails with
/// the errno of the failing step, e.g. `ENOENT` when the program does not
/// exist (glibc reports exec failures synchronously).
pub fn spawn_session(request: &SpawnRequest<'_>) -> io::Result<u32> {
    let program = cstring(request.program.as_bytes())?;
    let mut argv: Vec<CString> = vec![program.clone()];
    for arg in request.args {
        argv.push(cstring(arg.as_bytes())?);
    }
    let envp: Vec<CString> = request
        .env
        .iter()
        .map(|(k, v)| cstring(format!("{k}={v}").as_bytes()))
        .collect::<io::Result<_>>()?;
    let dir = cstring(OsStr::as_bytes(request.dir.as_os_str()))?;
    let dev_null = cstring(b"/dev/null")?;
    let mut argv_p: Vec<*mut libc::c_char> = argv.iter().map(|a| a.as_ptr().cast_mut()).collect();
    argv_p.push(std::ptr::null_mut());
    let mut envp_p: Vec<*mut libc::c_char> = envp.iter().map(|a| a.as_ptr().cast_mut()).collect();
    envp_p.push(std::ptr::null_mut());
    let out = request.output.as_raw_fd();

    // SAFETY: every pointer handed to libc points into a CString or vector
    // that outlives the call; attr and actions are initialised before use
    // and destroyed by their Drop impls.
    unsafe {
        let mut attr = MaybeUninit::<libc::posix_spawnattr_t>::uninit();
        check(libc::posix_spawnattr_init(attr.as_mut_ptr()))?;
        let mut attr = Attr(attr.assume_init());
        let mut actions = MaybeUninit::<libc::posix_spawn_file_actions_t>::uninit();
        check(libc::posix_spawn_file_actions_init(actions.as_mut_ptr()))?;
        let mut actions = Actions(actions.assume_init());

        let flags = libc::POSIX_SPAWN_SETSID
            | libc::POSIX_SPAWN_SETSIGMASK as libc::c_short
            | libc::POSIX_SPAWN_SETSIGDEF as libc::c_short;
        check(libc::posix_spawnattr_setflags(&mut attr.0, flags))?;
        let mut empty = MaybeUninit::<libc::sigset_t>::uninit();
        libc::sigemptyset(empty.as_mut_ptr());
        check(libc::posix_spawnattr_setsigmask(
            &mut attr.0,
            empty.as_ptr(),
        ))?;
        let mut defaults = MaybeUninit::<libc::sigset_t>::uninit();
        libc::sigemptyset(defaults.as_mut_ptr());
        for sig in [
            libc::SIGPIPE,
            libc::SIGINT,
            libc::SIGTERM,
            libc::SIGHUP,
            libc::SIGQUIT,
            libc::SIGCHLD,
        ] {
            libc::sigaddset(defaults.as_mut_ptr(), sig);
        }
        check(libc::posix_spawnattr_setsigdefault(
            &mut attr.0,
            defaults.as_ptr(),
        ))?;

        check(libc::posix_spawn_file_actions_addopen(
            &mut actions.0,
            0,
            dev_null.as_ptr(),
            libc::O_RDONLY,
            0,
        ))?;
        check(libc::posix_spawn_file_actions_adddup2(
            &mut actions.0,
            out,
            1,
        ))?;
        check(libc::posix_spawn_file_actions_adddup2(
            &mut actions.0,
            out,
            2,
        ))?;
        check(libc::posix_spawn_file_actions_addchdir_np(
            &mut actions.0,
            dir.as_ptr(),
        ))?;

        let mut pid: libc::pid_t = 0;
        let spawn = if request.program.contains('/') {
            libc::posix_spawn
        } else {
            libc::posix_spawnp
        };
        check(spawn(
            &mut pid,
            program.as_ptr(),
            &actions.0,
            &attr.0,
            argv_p.as_ptr(),
            envp_p.as_ptr(),
        ))?;
        Ok(pid as u32)
    }
}
