//! Namespace mode: starts a container in a mount namespace of its own whose
//! root is the host's root as a read-only "image" under a private writable
//! layer, with the container's volumes, termination message file,
//! `/ko-app/entrypoint`, and its own `/tmp` mounted where a real Pod's
//! container has them. Nothing is rewritten: the process sees container
//! paths.
//!
//! The writable layer is an overlay (lower: the host's `/`, upper and work
//! directories inside the container's directory of the Pod, or in a tmpfs
//! private to the namespace when the Pod directory is on the host root's
//! own filesystem). The overlay is `volatile`: the container's private
//! writes are never synced to disk (tearing a synced overlay down flushes
//! the whole upper filesystem, hundreds of milliseconds on a busy disk).
//! Where the kernel refuses any overlay, the root is a
//! private tmpfs holding read-only binds of the host's top-level
//! directories: new paths are private and writable, existing host
//! directories stay read-only.
//!
//! Everything happens in the forked child before `exec` (only raw
//! syscalls on data prepared beforehand), so the namespace and its mounts
//! die with the container's last process: nothing to clean up on the host.

use std::ffi::CString;
use std::fs::{self, File};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::runtime::isolation::namespace_flags;

/// One mount of the container: `source` (host path) at `target` (container path).
#[derive(Debug, Clone)]
pub struct Bind {
    /// Host file or directory.
    pub source: PathBuf,
    /// Absolute container path.
    pub target: String,
    /// Mounted read-only.
    pub read_only: bool,
}

/// What [`spawn`] needs to start a container in its own namespace.
pub struct Sandbox<'a> {
    /// The container's directory in the Pod (holds `root`, `upper`, `work`).
    pub dir: &'a Path,
    /// Mounts, any order (applied parents first).
    pub binds: Vec<Bind>,
    /// Program (container path or a name looked up in `PATH`) and arguments.
    pub argv: &'a [String],
    /// The complete environment.
    pub env: &'a [(String, String)],
    /// Absolute working directory inside the container (created when missing).
    pub workdir: &'a str,
    /// stdout and stderr.
    pub output: &'a File,
}

fn cstr(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))
}

fn cpath(path: &Path) -> io::Result<CString> {
    cstr(path.as_os_str().as_bytes())
}

/// A mount point prepared in the parent.
struct Mount {
    source: CString,
    /// Directories to create under the new root, outermost first.
    dirs: Vec<CString>,
    target: CString,
    file: bool,
    read_only: bool,
}

/// A top-level entry of the host root, for the tmpfs fallback.
enum Top {
    Dir {
        host: CString,
        inside: CString,
        writable: bool,
    },
    Link {
        target: CString,
        inside: CString,
    },
}

/// Directories from the new root down to `path` (a container path), as
/// host paths under `root`.
fn chain(root: &Path, path: &str, include_last: bool) -> io::Result<Vec<CString>> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let keep = if include_last {
        parts.len()
    } else {
        parts.len().saturating_sub(1)
    };
    let mut at = root.to_path_buf();
    let mut out = Vec::new();
    for part in &parts[..keep] {
        at.push(part);
        out.push(cpath(&at)?);
    }
    Ok(out)
}

fn check(ret: libc::c_int) -> io::Result<()> {
    if ret == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn write_file(path: &CString, data: &[u8]) -> io::Result<()> {
    // SAFETY: raw syscalls on a NUL-terminated path and a live buffer.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = libc::write(fd, data.as_ptr().cast(), data.len());
        libc::close(fd);
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

fn mkdirs(dirs: &[CString]) {
    for dir in dirs {
        // SAFETY: NUL-terminated path; EEXIST and friends surface at mount time.
        unsafe { libc::mkdir(dir.as_ptr(), 0o755) };
    }
}

/// Starts the container described by `sandbox` as a session leader in its
/// own mount namespace (and user namespace when not root). Returns its pid.
/// Fails with the errno of the first namespace or mount step that failed
/// (reported by the child before `exec`), or of `exec` itself.
pub fn spawn(sandbox: &Sandbox<'_>) -> io::Result<u32> {
    let dir = sandbox.dir;
    let root = dir.join("root");
    let upper = dir.join("upper");
    let work = dir.join("work");
    for d in [&root, &upper, &work] {
        fs::create_dir_all(d)?;
    }
    let root_c = cpath(&root)?;
    let layer = dir.join("layer");
    fs::create_dir_all(&layer)?;
    let layer_c = cpath(&layer)?;
    let layer_upper = cpath(&layer.join("upper"))?;
    let layer_work = cpath(&layer.join("work"))?;
    let layer_opts = cstr(
        format!(
            "lowerdir=/,upperdir={},workdir={},volatile",
            layer.join("upper").display(),
            layer.join("work").display()
        )
        .as_bytes(),
    )?;
    let overlay_opts = cstr(
        format!(
            "lowerdir=/,upperdir={},workdir={},volatile",
            upper.display(),
            work.display()
        )
        .as_bytes(),
    )?;
    // SAFETY: geteuid and getegid have no preconditions and cannot fail.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let user_maps = (uid != 0).then(|| {
        (
            format!("{uid} {uid} 1\n").into_bytes(),
            format!("{gid} {gid} 1\n").into_bytes(),
        )
    });
    let proc_setgroups = cstr(b"/proc/self/setgroups")?;
    let proc_uid_map = cstr(b"/proc/self/uid_map")?;
    let proc_gid_map = cstr(b"/proc/self/gid_map")?;

    let mut tops = Vec::new();
    for entry in fs::read_dir("/")?.flatten() {
        let name = entry.file_name();
        let inside = cpath(&root.join(&name))?;
        let host = Path::new("/").join(&name);
        let meta = match fs::symlink_metadata(&host) {
            Ok(m) => m,
            Err(_) => continue,
        };
        if meta.file_type().is_symlink() {
            if let Ok(target) = fs::read_link(&host) {
                tops.push(Top::Link {
                    target: cpath(&target)?,
                    inside,
                });
            }
        } else if meta.is_dir() {
            let writable = matches!(name.as_bytes(), b"dev" | b"proc" | b"sys");
            tops.push(Top::Dir {
                host: cpath(&host)?,
                inside,
                writable,
            });
        }
    }
    let system: Vec<(CString, CString)> = ["dev", "proc", "sys"]
        .iter()
        .filter(|d| Path::new("/").join(d).is_dir())
        .map(|d| Ok((cpath(&Path::new("/").join(d))?, cpath(&root.join(d))?)))
        .collect::<io::Result<_>>()?;

    let mut binds = sandbox.binds.clone();
    binds.sort_by_key(|b| b.target.trim_end_matches('/').matches('/').count());
    let mut mounts = Vec::new();
    for bind in &binds {
        let file = !bind.source.is_dir();
        mounts.push(Mount {
            source: cpath(&bind.source)?,
            dirs: chain(&root, &bind.target, !file)?,
            target: cpath(&root.join(bind.target.trim_start_matches('/')))?,
            file,
            read_only: bind.read_only,
        });
    }
    let tmpfs_dirs: Vec<(Vec<CString>, CString)> = ["/tmp", "/dev/shm"]
        .iter()
        .map(|p| {
            Ok((
                chain(&root, p, true)?,
                cpath(&root.join(p.trim_start_matches('/')))?,
            ))
        })
        .collect::<io::Result<_>>()?;
    let tmpfs = cstr(b"tmpfs")?;
    let overlay = cstr(b"overlay")?;
    let tmp_opts = cstr(b"mode=1777")?;
    let slash = cstr(b"/")?;
    let workdir_dirs = chain(Path::new("/"), sandbox.workdir, true)?;
    let workdir = cstr(sandbox.workdir.as_bytes())?;
    let flags = namespace_flags();

    let Some((program, args)) = sandbox.argv.split_first() else {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no command"));
    };
    let mut command = Command::new(program);
    command
        .args(args)
        .env_clear()
        .envs(sandbox.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::from(sandbox.output.try_clone()?))
        .stderr(Stdio::from(sandbox.output.try_clone()?));
    let setup = move || -> io::Result<()> {
        let null = std::ptr::null::<libc::c_char>();
        // SAFETY: only raw syscalls on NUL-terminated strings prepared above.
        unsafe {
            check(libc::unshare(flags))?;
            if let Some((uid_map, gid_map)) = &user_maps {
                write_file(&proc_setgroups, b"deny")?;
                write_file(&proc_uid_map, uid_map)?;
                write_file(&proc_gid_map, gid_map)?;
            }
            check(libc::mount(
                null,
                slash.as_ptr(),
                null,
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ))?;
            let overlay_with = |opts: &CString| {
                libc::mount(
                    overlay.as_ptr(),
                    root_c.as_ptr(),
                    overlay.as_ptr(),
                    0,
                    opts.as_ptr().cast(),
                ) == 0
            };
            // The upper layer in the Pod directory; where that shares the
            // host root's filesystem (overlayfs refuses overlapping layers),
            // in a tmpfs private to this namespace.
            let layered = overlay_with(&overlay_opts)
                || (libc::mount(
                    tmpfs.as_ptr(),
                    layer_c.as_ptr(),
                    tmpfs.as_ptr(),
                    0,
                    std::ptr::null(),
                ) == 0
                    && libc::mkdir(layer_upper.as_ptr(), 0o755) == 0
                    && libc::mkdir(layer_work.as_ptr(), 0o755) == 0
                    && overlay_with(&layer_opts));
            if layered {
                for (host, inside) in &system {
                    check(libc::mount(
                        host.as_ptr(),
                        inside.as_ptr(),
                        null,
                        libc::MS_BIND | libc::MS_REC,
                        std::ptr::null(),
                    ))?;
                }
            } else {
                check(libc::mount(
                    tmpfs.as_ptr(),
                    root_c.as_ptr(),
                    tmpfs.as_ptr(),
                    0,
                    std::ptr::null(),
                ))?;
                for top in &tops {
                    match top {
                        Top::Link { target, inside } => {
                            libc::symlink(target.as_ptr(), inside.as_ptr());
                        }
                        Top::Dir {
                            host,
                            inside,
                            writable,
                        } => {
                            libc::mkdir(inside.as_ptr(), 0o755);
                            if libc::mount(
                                host.as_ptr(),
                                inside.as_ptr(),
                                null,
                                libc::MS_BIND | libc::MS_REC,
                                std::ptr::null(),
                            ) == 0
                                && !writable
                            {
                                libc::mount(
                                    null,
                                    inside.as_ptr(),
                                    null,
                                    libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY,
                                    std::ptr::null(),
                                );
                            }
                        }
                    }
                }
            }
            for (dirs, target) in &tmpfs_dirs {
                mkdirs(dirs);
                check(libc::mount(
                    tmpfs.as_ptr(),
                    target.as_ptr(),
                    tmpfs.as_ptr(),
                    0,
                    tmp_opts.as_ptr().cast(),
                ))?;
            }
            for mount in &mounts {
                mkdirs(&mount.dirs);
                if mount.file {
                    let fd = libc::open(
                        mount.target.as_ptr(),
                        libc::O_WRONLY | libc::O_CREAT | libc::O_CLOEXEC,
                        0o644,
                    );
                    if fd >= 0 {
                        libc::close(fd);
                    }
                }
                check(libc::mount(
                    mount.source.as_ptr(),
                    mount.target.as_ptr(),
                    null,
                    libc::MS_BIND | libc::MS_REC,
                    std::ptr::null(),
                ))?;
                if mount.read_only {
                    check(libc::mount(
                        null,
                        mount.target.as_ptr(),
                        null,
                        libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY,
                        std::ptr::null(),
                    ))?;
                }
            }
            check(libc::chroot(root_c.as_ptr()))?;
            check(libc::chdir(slash.as_ptr()))?;
            mkdirs(&workdir_dirs);
            check(libc::chdir(workdir.as_ptr()))?;
            check(if libc::setsid() < 0 { -1 } else { 0 })?;
            for sig in [
                libc::SIGPIPE,
                libc::SIGINT,
                libc::SIGTERM,
                libc::SIGHUP,
                libc::SIGQUIT,
                libc::SIGCHLD,
            ] {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
        Ok(())
    };
    // SAFETY: `setup` makes only async-signal-safe syscalls and allocates nothing.
    unsafe { command.pre_exec(setup) };
    let child = command.spawn()?;
    // The exit is reaped by `process::wait`; the handle is not needed.
    Ok(child.id())
}
