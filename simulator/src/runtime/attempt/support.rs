//! Small duties of the local kubelet: reading termination messages, updating
//! downward API files, mapping probes, and localising placed scripts.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::Container;

use crate::plan::ProbeCheck;
use crate::runtime::isolation::Mode;
use crate::runtime::podfs::ContainerFs;
use crate::runtime::probe::HostCheck;
use crate::script::SCRIPTS_DIR;
use crate::termination::{self, Entry};

/// The entries of a termination message file; unreadable or malformed
/// messages count as empty (the step then gets its reason from its exit code).
pub(super) fn read_entries(file: &Path) -> Vec<Entry> {
    fs::read_to_string(file)
        .ok()
        .and_then(|text| termination::parse(&text).ok())
        .unwrap_or_default()
}

/// Writes a downward API file the way the kubelet updates it: atomically
/// (write a temporary file, rename it over the old one), so a watcher never
/// sees a half-written value. Without a downward volume nothing happens.
pub(super) fn write_downward(dir: Option<&Path>, name: &str, value: &str) {
    if let Some(dir) = dir {
        let tmp = dir.join(format!("..{name}.tmp"));
        if fs::write(&tmp, value).is_ok() {
            let _ = fs::rename(&tmp, dir.join(name));
        }
    }
}

/// A probe with its container paths mapped through `cfs`; exec probes run
/// in the container's working directory with its environment.
pub(super) fn host_check(
    check: &ProbeCheck,
    container: &Container,
    cfs: &ContainerFs<'_>,
    mode: Mode,
    pid: Option<u32>,
) -> HostCheck {
    if let (Mode::Namespaces, Some(pid)) = (mode, pid) {
        return isolated_check(check, container, pid);
    }
    match check {
        ProbeCheck::File(path) => {
            HostCheck::File(cfs.map(path).unwrap_or_else(|| PathBuf::from(path)))
        }
        ProbeCheck::Exec(argv) => HostCheck::Exec {
            argv: argv.iter().map(|a| cfs.rewrite(a)).collect(),
            dir: match container.working_dir.as_deref() {
                Some(dir) if !dir.is_empty() => cfs.map_dir(dir),
                _ => cfs.dir().join("fs"),
            },
            env: std::iter::once((
                "PATH".to_string(),
                std::env::var("PATH").unwrap_or_default(),
            ))
            .chain(
                container
                    .env
                    .iter()
                    .flatten()
                    .filter_map(|e| Some((e.name.clone(), cfs.rewrite(e.value.as_ref()?)))),
            )
            .collect(),
        },
    }
}

/// A probe seen from inside container `pid`'s mount namespace: a file probe
/// looks through `/proc/<pid>/root`, an exec probe runs with `nsenter` in
/// the container's namespaces, root and working directory.
fn isolated_check(check: &ProbeCheck, container: &Container, pid: u32) -> HostCheck {
    match check {
        ProbeCheck::File(path) => HostCheck::File(
            PathBuf::from(format!("/proc/{pid}/root")).join(path.trim_start_matches('/')),
        ),
        ProbeCheck::Exec(argv) => {
            let mut full = vec![
                "nsenter".to_string(),
                format!("--target={pid}"),
                "--mount".to_string(),
                "--root".to_string(),
                "--wd".to_string(),
            ];
            if !crate::runtime::isolation::is_root() {
                full.push("--user".to_string());
                full.push("--preserve-credentials".to_string());
            }
            full.push("--".to_string());
            full.extend(argv.iter().cloned());
            HostCheck::Exec {
                argv: full,
                dir: PathBuf::from("/"),
                env: std::iter::once((
                    "PATH".to_string(),
                    std::env::var("PATH").unwrap_or_default(),
                ))
                .chain(
                    container
                        .env
                        .iter()
                        .flatten()
                        .filter_map(|e| Some((e.name.clone(), e.value.clone()?))),
                )
                .collect(),
            }
        }
    }
}

/// Scripts placed by `place-scripts` hold container paths; rewrites them to
/// host paths in the script files themselves, using the view of the
/// container that runs each script (the one naming it in command or args).
pub(super) fn localize_scripts(containers: &[Container], cfss: &[ContainerFs<'_>]) {
    let mut done: HashSet<PathBuf> = HashSet::new();
    for (container, cfs) in containers.iter().zip(cfss) {
        let words = container
            .command
            .iter()
            .flatten()
            .chain(container.args.iter().flatten());
        for word in words.filter(|w| w.starts_with(SCRIPTS_DIR) && w.len() > SCRIPTS_DIR.len() + 1)
        {
            let Some(host) = cfs.map(word) else { continue };
            if !done.insert(host.clone()) {
                continue;
            }
            if let Ok(text) = fs::read_to_string(&host) {
                let rewritten = cfs.rewrite(&text);
                if rewritten != text {
                    let _ = fs::write(&host, rewritten);
                }
            }
        }
    }
}
