//! The wait/post graph of an ordered Pod: which files each container's
//! entrypoint waits for and posts (`-wait_file`, `-post_file`), and where
//! each file really is once resolved through that container's own volume
//! mounts. Shared by the runtime's hang diagnosis and `podsim lint`.

use k8s_openapi::api::core::v1::Container;

/// Where a container path lands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// Inside volume `volume`, at `path` relative to the volume's root
    /// (`subPath` included).
    Volume {
        /// Volume name.
        volume: String,
        /// Path inside the volume, without a leading `/`.
        path: String,
    },
    /// In the container's own filesystem: no other container sees it.
    Private,
}

/// One volume mount of a container.
#[derive(Debug, Clone)]
pub struct MountView {
    /// `mountPath`, without a trailing `/`.
    pub path: String,
    /// Volume name.
    pub volume: String,
    /// `subPath`, if any.
    pub sub_path: Option<String>,
    /// `readOnly`.
    pub read_only: bool,
}

/// One container's part of the graph.
#[derive(Debug, Clone)]
pub struct Gate {
    /// Container name.
    pub container: String,
    /// Files the entrypoint waits for before running its command.
    pub waits: Vec<String>,
    /// Files the entrypoint posts when done.
    pub posts: Vec<String>,
    /// The container's mounts.
    pub mounts: Vec<MountView>,
    /// `-termination_path`, if given.
    pub termination_path: Option<String>,
    /// Whether the container's command looks like the entrypoint wrapper
    /// (its program's file name is `entrypoint`).
    pub wrapped: bool,
}

/// Values of `-name VALUE`, `-name=VALUE`, `--name VALUE` and
/// `--name=VALUE` in `words`, up to a `--` that ends the flags.
pub fn flag_values(words: &[String], name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        if word == "--" {
            break;
        }
        let bare = word.trim_start_matches('-');
        if word.starts_with('-') && word.len() - bare.len() <= 2 {
            if bare == name {
                if let Some(value) = words.get(i + 1) {
                    out.push(value.clone());
                    i += 1;
                }
            } else if let Some(value) = bare.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
                out.push(value.to_string());
            }
        }
        i += 1;
    }
    out
}

impl Gate {
    /// The gate of `container`: its entrypoint flags (from `command` and
    /// `args`) and mounts. A container that is not wrapped has no waits
    /// or posts.
    pub fn of(container: &Container) -> Self {
        let words: Vec<String> = container
            .command
            .iter()
            .flatten()
            .chain(container.args.iter().flatten())
            .cloned()
            .collect();
        let wrapped = container
            .command
            .as_ref()
            .and_then(|c| c.first())
            .is_some_and(|p| p.rsplit('/').next() == Some("entrypoint"));
        let split = |values: Vec<String>| -> Vec<String> {
            values
                .iter()
                .flat_map(|v| v.split(','))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect()
        };
        let (waits, posts, termination_path) = if wrapped {
            (
                split(flag_values(&words, "wait_file")),
                split(flag_values(&words, "post_file")),
                flag_values(&words, "termination_path").into_iter().next(),
            )
        } else {
            (Vec::new(), Vec::new(), None)
        };
        let mounts = container
            .volume_mounts
            .iter()
            .flatten()
            .map(|m| MountView {
                path: m.mount_path.trim_end_matches('/').to_string(),
                volume: m.name.clone(),
                sub_path: m.sub_path.clone().filter(|s| !s.is_empty()),
                read_only: m.read_only.unwrap_or(false),
            })
            .collect();
        Self {
            container: container.name.clone(),
            waits,
            posts,
            mounts,
            termination_path,
            wrapped,
        }
    }

    /// The mount `path` falls under (the deepest one), if any.
    pub fn mount_for(&self, path: &str) -> Option<&MountView> {
        self.mounts
            .iter()
            .filter(|m| {
                path == m.path
                    || m.path.is_empty()
                    || path
                        .strip_prefix(m.path.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            })
            .max_by_key(|m| m.path.len())
    }

    /// Where container path `path` lands for this container.
    pub fn locate(&self, path: &str) -> Location {
        match self.mount_for(path) {
            None => Location::Private,
            Some(m) => {
                let rest = path[m.path.len()..].trim_start_matches('/');
                let joined = match &m.sub_path {
                    Some(sub) if rest.is_empty() => sub.clone(),
                    Some(sub) => format!("{}/{rest}", sub.trim_end_matches('/')),
                    None => rest.to_string(),
                };
                Location::Volume {
                    volume: m.volume.clone(),
                    path: joined,
                }
            }
        }
    }

    /// Whether this container can write into volume `volume` (it mounts it
    /// somewhere without `readOnly`).
    pub fn writes_volume(&self, volume: &str) -> bool {
        self.mounts
            .iter()
            .any(|m| m.volume == volume && !m.read_only)
    }
}

/// The directory a mount would need to make `file` visible: its parent.
fn parent_dir(file: &str) -> &str {
    match file.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &file[..i],
    }
}

/// Why nobody can write `file`, which `gates[waiter]` waits for, in one
/// sentence naming the waiter, the file and the poster that was meant to
/// write it, e.g. `'two' waits for /steps/one, but 'two' has no volume at
/// /steps, so the file 'one' posts there is not the one 'two' sees`.
/// `stuck` says which other containers are known not to post anything
/// any more.
pub fn explain(gates: &[Gate], waiter: usize, file: &str, stuck: &dyn Fn(usize) -> bool) -> String {
    let w = &gates[waiter];
    let here = w.locate(file);
    let textual: Vec<usize> = (0..gates.len())
        .filter(|&g| g != waiter && gates[g].posts.iter().any(|p| p == file))
        .collect();
    let resolved: Vec<usize> = (0..gates.len())
        .filter(|&g| {
            g != waiter
                && here != Location::Private
                && gates[g].posts.iter().any(|p| gates[g].locate(p) == here)
        })
        .collect();
    match &here {
        Location::Private => match textual.first() {
            Some(&p) => format!(
                "'{}' waits for {file}, but '{}' has no volume at {}, so the file '{}' posts there is not the one '{}' sees",
                w.container,
                w.container,
                parent_dir(file),
                gates[p].container,
                w.container
            ),
            None => format!(
                "'{}' waits for {file}, which is on none of its volumes: no other container can write it",
                w.container
            ),
        },
        Location::Volume { volume, .. } => {
            if let Some(&p) = resolved.first() {
                let why = if stuck(p) {
                    "is stuck itself"
                } else {
                    "ended without posting it"
                };
                format!(
                    "'{}' waits for {file} on volume {volume:?}, and '{}', which posts it, {why}",
                    w.container, gates[p].container
                )
            } else if let Some(&p) = textual.first() {
                let theirs = match gates[p].locate(file) {
                    Location::Private => format!("its own filesystem (it has no volume at {})", parent_dir(file)),
                    Location::Volume { volume, .. } => format!("volume {volume:?}"),
                };
                format!(
                    "'{}' waits for {file} on volume {volume:?}, but '{}' posts {file} into {theirs}, not there",
                    w.container, gates[p].container
                )
            } else {
                format!(
                    "'{}' waits for {file} on volume {volume:?}, but no container posts it and none that is still running mounts that volume",
                    w.container
                )
            }
        }
    }
}

#[cfg(test)]
#[path = "waits_tests.rs"]
mod tests;
