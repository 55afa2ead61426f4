//! A container's mounts as seen from the host: the volume a container path
//! lands in, the private fallback of path mode, and the binds of namespace
//! mode.

use std::path::{Path, PathBuf};

use super::ContainerFs;
use crate::render::IMAGE_ENTRYPOINT;

impl ContainerFs<'_> {
    /// The host path of container path `path` when it is under one of the
    /// container's volume mounts; `None` otherwise.
    pub fn map_mounted(&self, path: &str) -> Option<PathBuf> {
        let mut end = path.len();
        loop {
            let prefix = path[..end].trim_end_matches('/');
            if let Some((volume, sub, _)) = self.mounts.get(prefix) {
                let host = match sub {
                    Some(sub) => volume.join(sub),
                    None => volume.to_path_buf(),
                };
                let rest = path[prefix.len()..].trim_start_matches('/');
                return Some(if rest.is_empty() {
                    host
                } else {
                    host.join(rest)
                });
            }
            match path[..end].rfind('/') {
                Some(0) | None => return None,
                Some(slash) => end = slash,
            }
        }
    }

    /// Like [`Self::map`], but a path that is neither mounted nor present on
    /// the host (so the container could only be creating it) is the
    /// container's own: it lands in its private directory, never in the
    /// host's filesystem. `//...` (a URL's tail) is left alone.
    pub fn map_private(&self, path: &str) -> Option<PathBuf> {
        self.map(path).or_else(|| {
            let private = path.starts_with('/')
                && !path.starts_with("//")
                && path.len() > 1
                && Path::new(path).symlink_metadata().is_err();
            private.then(|| self.local(path))
        })
    }

    /// The container's mounts for namespace mode: every volume mount
    /// (`subPath` resolved, `readOnly` kept), the termination message file
    /// at its path, and the entrypoint binary at `/ko-app/entrypoint`.
    pub fn binds(&self) -> Vec<crate::runtime::sandbox::Bind> {
        use crate::runtime::sandbox::Bind;
        let mut binds: Vec<Bind> = self
            .mounts
            .iter()
            .map(|(target, (volume, sub, read_only))| Bind {
                source: match sub {
                    Some(sub) => volume.join(sub),
                    None => volume.to_path_buf(),
                },
                target: if target.is_empty() {
                    "/".to_string()
                } else {
                    target.to_string()
                },
                read_only: *read_only,
            })
            .collect();
        binds.push(Bind {
            source: self.termination_file(),
            target: self.termination_path.to_string(),
            read_only: false,
        });
        binds.push(Bind {
            source: self.pod.entrypoint.clone(),
            target: IMAGE_ENTRYPOINT.to_string(),
            read_only: true,
        });
        binds
    }
}
