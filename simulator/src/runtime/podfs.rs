//! The Pod's filesystem on the host: a temporary directory holding one
//! directory per volume and one per container, plus the mapping from
//! container paths to host paths.
//!
//! Layout under the Pod directory:
//! - `volumes/<volume>/`: an emptyDir or downwardAPI volume;
//! - `union/tekton/...`: symlinks to the volumes mounted under `/tekton` by
//!   any container (the view `entrypoint step-init` links resolve through);
//! - `containers/<container>/fs/`: the container's own files, e.g. its
//!   termination message `fs/tekton/termination`; `fs/tekton/<entry>` links
//!   to `union/tekton/<entry>`, so `ENTRYPOINT_TEKTON_ROOT=.../fs/tekton`
//!   makes the entrypoint's built-in `/tekton` defaults land in the Pod;
//! - `containers/<container>/log`: stdout and stderr of the container.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::{Container, Pod, VolumeMount};

use crate::render::IMAGE_ENTRYPOINT;

/// Why the Pod filesystem could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum PodFsError {
    /// A filesystem operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which host path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The Pod uses something the local runtime cannot provide.
    #[error("{0}")]
    Unsupported(String),
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> PodFsError + 'a {
    move |source| PodFsError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Environment variable choosing where Pod directories are created.
pub const TMPDIR_VAR: &str = "PODSIM_TMPDIR";

/// Where Pod directories go by default: `$PODSIM_TMPDIR` if set, else
/// `/dev/shm` when it is a writable tmpfs that allows executing files (the
/// Pod's metadata-heavy churn is several times faster in memory than on a
/// disk), else the system temp dir.
pub fn default_base() -> PathBuf {
    if let Some(dir) = std::env::var_os(TMPDIR_VAR).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let shm = Path::new("/dev/shm");
    let usable = nix::sys::statvfs::statvfs(shm).is_ok_and(|st| {
        !st.flags().contains(nix::sys::statvfs::FsFlags::ST_NOEXEC)
            && !st.flags().contains(nix::sys::statvfs::FsFlags::ST_RDONLY)
    }) && nix::unistd::access(
        shm,
        nix::unistd::AccessFlags::W_OK | nix::unistd::AccessFlags::X_OK,
    )
    .is_ok();
    if usable {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// The Pod directory and its volumes.
#[derive(Debug)]
pub struct PodFs {
    temp: Option<tempfile::TempDir>,
    root: PathBuf,
    volumes: HashMap<String, PathBuf>,
    entrypoint: PathBuf,
    /// Entries of `union/tekton`, linked into every container's `fs/tekton`.
    union_entries: Vec<(std::ffi::OsString, PathBuf)>,
}

impl PodFs {
    /// Creates a fresh Pod directory for `pod` under `base` (see [`default_base`]):
    /// a directory per emptyDir/downwardAPI volume (downwardAPI files are
    /// created empty) and the `union/tekton` view. `entrypoint` is the host
    /// binary `/ko-app/entrypoint` maps to. A volume named in `bindings` is
    /// that host directory instead, whatever its source (it must exist; it is
    /// never removed). Other volume types and mounts of undeclared volumes
    /// give [`PodFsError::Unsupported`].
    pub fn create(
        pod: &Pod,
        entrypoint: &Path,
        base: &Path,
        bindings: &BTreeMap<String, PathBuf>,
    ) -> Result<Self, PodFsError> {
        let temp = tempfile::Builder::new()
            .prefix("podsim-")
            .tempdir_in(base)
            .map_err(io_err("create temp dir in", base))?;
        let root = temp.path().to_path_buf();
        let mut volumes = HashMap::new();
        let spec = pod.spec.as_ref();
        for volume in spec.and_then(|s| s.volumes.as_ref()).into_iter().flatten() {
            if let Some(bound) = bindings.get(&volume.name) {
                if !bound.is_dir() {
                    return Err(PodFsError::Unsupported(format!(
                        "volume {:?} is bound to {}, which is not a directory",
                        volume.name,
                        bound.display()
                    )));
                }
                volumes.insert(volume.name.clone(), bound.clone());
                continue;
            }
            let dir = root.join("volumes").join(&volume.name);
            fs::create_dir_all(&dir).map_err(io_err("create", &dir))?;
            if let Some(downward) = &volume.downward_api {
                for item in downward.items.iter().flatten() {
                    let file = dir.join(&item.path);
                    fs::write(&file, b"").map_err(io_err("create", &file))?;
                }
            } else if volume.empty_dir.is_none() {
                return Err(PodFsError::Unsupported(format!(
                    "volume {:?}: only emptyDir and downwardAPI volumes can run locally",
                    volume.name
                )));
            }
            volumes.insert(volume.name.clone(), dir);
        }
        let mut fs = Self {
            temp: Some(temp),
            root,
            volumes,
            entrypoint: entrypoint.to_path_buf(),
            union_entries: Vec::new(),
        };
        let union = fs.root.join("union");
        let union_tekton = union.join("tekton");
        fs::create_dir_all(&union_tekton).map_err(io_err("create", &union))?;
        let mut linked: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let containers = spec.into_iter().flat_map(|s| {
            s.init_containers
                .iter()
                .flatten()
                .chain(s.containers.iter())
        });
        for container in containers {
            for mount in container.volume_mounts.iter().flatten() {
                if mount.mount_path.starts_with("/tekton/") && linked.insert(&mount.mount_path) {
                    let host = fs.mount_source(&container.name, mount)?;
                    link_into(&union, &mount.mount_path, &host)?;
                }
            }
        }
        for entry in fs::read_dir(&union_tekton).map_err(io_err("read", &union_tekton))? {
            let entry = entry.map_err(io_err("read", &union_tekton))?;
            fs.union_entries.push((entry.file_name(), entry.path()));
        }
        Ok(fs)
    }

    /// The Pod directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Host directory of volume `name`.
    pub fn volume_dir(&self, name: &str) -> Option<&Path> {
        self.volumes.get(name).map(PathBuf::as_path)
    }

    /// Keeps the Pod directory on disk after this value is dropped.
    pub fn keep(&mut self) {
        if let Some(temp) = self.temp.as_mut() {
            temp.disable_cleanup(true);
        }
    }

    /// Prepares `container`'s own directory (its `fs/tekton` view and an
    /// empty termination message file) and returns its path mapping.
    pub fn container<'p>(
        &'p self,
        container: &'p Container,
    ) -> Result<ContainerFs<'p>, PodFsError> {
        let dir = self.root.join("containers").join(&container.name);
        let tekton = dir.join("fs").join("tekton");
        fs::create_dir_all(&tekton).map_err(io_err("create", &tekton))?;
        for (name, target) in &self.union_entries {
            let link = tekton.join(name);
            std::os::unix::fs::symlink(target, &link).map_err(io_err("link", &link))?;
        }
        let mut mounts = HashMap::new();
        for mount in container.volume_mounts.iter().flatten() {
            let volume = self.volumes.get(&mount.name).ok_or_else(|| {
                PodFsError::Unsupported(format!(
                    "container {:?} mounts undeclared volume {:?}",
                    container.name, mount.name
                ))
            })?;
            let sub = mount.sub_path.as_deref().filter(|s| !s.is_empty());
            if let Some(sub) = sub {
                let path = volume.join(sub);
                fs::create_dir_all(&path).map_err(io_err("create", &path))?;
            }
            mounts.insert(
                mount.mount_path.trim_end_matches('/'),
                (volume.as_path(), sub, mount.read_only.unwrap_or(false)),
            );
        }
        let termination_path = container
            .termination_message_path
            .as_deref()
            .unwrap_or("/dev/termination-log");
        let cfs = ContainerFs {
            pod: self,
            name: &container.name,
            dir,
            mounts,
            termination_path,
        };
        let termination = cfs.termination_file();
        if let Some(parent) = termination.parent() {
            fs::create_dir_all(parent).map_err(io_err("create", parent))?;
        }
        fs::write(&termination, b"").map_err(io_err("create", &termination))?;
        Ok(cfs)
    }

    fn mount_source(&self, container: &str, mount: &VolumeMount) -> Result<PathBuf, PodFsError> {
        let dir = self.volumes.get(&mount.name).ok_or_else(|| {
            PodFsError::Unsupported(format!(
                "container {container:?} mounts undeclared volume {:?}",
                mount.name
            ))
        })?;
        Ok(match mount.sub_path.as_deref().filter(|s| !s.is_empty()) {
            Some(sub) => {
                let path = dir.join(sub);
                fs::create_dir_all(&path).map_err(io_err("create", &path))?;
                path
            }
            None => dir.clone(),
        })
    }
}

/// Creates `base/<container_path>` as a symlink to `target`, with real parent
/// directories; an existing entry (first mount wins) or a symlinked parent
/// (nested mount) is left alone.
fn link_into(base: &Path, container_path: &str, target: &Path) -> Result<(), PodFsError> {
    let link = base.join(container_path.trim_start_matches('/').trim_end_matches('/'));
    let mut parent = link.parent();
    while let Some(p) = parent {
        if p == base {
            break;
        }
        if p.is_symlink() {
            return Ok(());
        }
        parent = p.parent();
    }
    if link.symlink_metadata().is_ok() {
        return Ok(());
    }
    if let Some(parent) = link.parent() {
        fs::create_dir_all(parent).map_err(io_err("create", parent))?;
    }
    std::os::unix::fs::symlink(target, &link).map_err(io_err("link", &link))
}

/// One container's view: container paths -> host paths.
#[derive(Debug)]
pub struct ContainerFs<'p> {
    pod: &'p PodFs,
    name: &'p str,
    dir: PathBuf,
    mounts: HashMap<&'p str, (&'p Path, Option<&'p str>, bool)>,
    termination_path: &'p str,
}

impl ContainerFs<'_> {
    /// The container's name.
    pub fn name(&self) -> &str {
        self.name
    }

    /// The container's own directory (`containers/<name>`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Host file of the container's termination message.
    pub fn termination_file(&self) -> PathBuf {
        self.local(self.termination_path)
    }

    /// Value of `ENTRYPOINT_TEKTON_ROOT` for this container.
    pub fn tekton_root(&self) -> PathBuf {
        self.dir.join("fs").join("tekton")
    }

    /// Host file receiving the container's stdout and stderr.
    pub fn log_file(&self) -> PathBuf {
        self.dir.join("log")
    }

    fn local(&self, path: &str) -> PathBuf {
        self.dir.join("fs").join(path.trim_start_matches('/'))
    }

    /// Maps one absolute container path: under a mount -> the volume's host
    /// directory; `/ko-app/entrypoint` -> the real entrypoint binary; the
    /// termination message path or anything else under `/tekton` -> the
    /// container's own directory. Other paths (e.g. `/bin/sh`) are `None`:
    /// they are the host's.
    pub fn map(&self, path: &str) -> Option<PathBuf> {
        if !path.starts_with('/') {
            return None;
        }
        if let Some(host) = self.map_mounted(path) {
            return Some(host);
        }
        if path == IMAGE_ENTRYPOINT {
            return Some(self.pod.entrypoint.clone());
        }
        if path == self.termination_path || path == "/tekton" || path.starts_with("/tekton/") {
            return Some(self.local(path));
        }
        None
    }

    /// Maps a working directory: like [`Self::map`], but a path the container
    /// does not mount lands in its own directory too (the kubelet creates it).
    pub fn map_dir(&self, path: &str) -> PathBuf {
        self.map(path).unwrap_or_else(|| self.local(path))
    }

    /// Rewrites every container path inside `text` (whole arguments,
    /// `-flag=/path`, comma-separated lists, paths inside shell code). A path
    /// starts at a `/` not preceded by a path character and runs to the first
    /// character that is not one of `[A-Za-z0-9._/-]`.
    pub fn rewrite(&self, text: &str) -> String {
        if !text.contains('/') {
            return text.to_string();
        }
        let bytes = text.as_bytes();
        let is_path_char =
            |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/');
        let mut out = String::with_capacity(text.len() + 64);
        let mut i = 0;
        let mut copied = 0;
        while i < bytes.len() {
            if bytes[i] == b'/' && (i == 0 || !is_path_char(bytes[i - 1])) {
                let end = (i..bytes.len())
                    .find(|&j| !is_path_char(bytes[j]))
                    .unwrap_or(bytes.len());
                if let Some(host) = self.map_private(&text[i..end]) {
                    if host.starts_with(&self.dir) {
                        if let Some(parent) = host.parent() {
                            let _ = fs::create_dir_all(parent);
                        }
                    }
                    out.push_str(&text[copied..i]);
                    out.push_str(&host.to_string_lossy());
                    copied = end;
                }
                i = end;
            } else {
                i += 1;
            }
        }
        out.push_str(&text[copied..]);
        out
    }
}

#[path = "podfs_mounts.rs"]
mod mounts;

#[cfg(test)]
#[path = "podfs_tests.rs"]
mod tests;
