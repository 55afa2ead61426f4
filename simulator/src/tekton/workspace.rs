//! A TaskRun's workspaces: one volume `ws-<name>` per bound workspace,
//! mounted into every step and sidecar at its mount path, backed by a host
//! directory when the caller gave one (`--workspace`, a PipelineRun's shared
//! directory), else a fresh emptyDir; `$(workspaces.<w>.*)` set.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::model::{TaskRun, TaskSpec};
use super::substitute::Vars;
use super::taskrun::{problem, Context};
use crate::scenario::{Mount, VolumeSpec};
use crate::validate::Problem;

pub(super) type WorkspaceParts = (Vec<VolumeSpec>, Vec<Mount>, BTreeMap<String, PathBuf>);

pub(super) fn workspaces(
    run: &TaskRun,
    spec: &TaskSpec,
    context: &Context,
    vars: &mut Vars,
    problems: &mut Vec<Problem>,
) -> WorkspaceParts {
    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    let mut bindings = BTreeMap::new();
    for (i, decl) in spec.workspaces.iter().enumerate() {
        let at = format!("spec.workspaces[{i}]");
        let volume = format!("ws-{}", decl.name);
        let binding = run.spec.workspaces.iter().find(|b| b.name == decl.name);
        let dir = context.workspace_dirs.get(&decl.name);
        let bound = binding.is_some() || dir.is_some();
        vars.set(format!("workspaces.{}.bound", decl.name), bound.to_string());
        if !bound {
            if !decl.optional {
                problems.push(problem(
                    at,
                    format!(
                        "workspace {:?} is not bound: pass --workspace {}=DIR or bind it in the TaskRun",
                        decl.name, decl.name
                    ),
                ));
            }
            vars.set(format!("workspaces.{}.path", decl.name), "");
            continue;
        }
        let needs_dir = binding.is_some_and(|b| {
            b.persistent_volume_claim.is_some()
                || b.volume_claim_template.is_some()
                || b.config_map.is_some()
                || b.secret.is_some()
        });
        match dir {
            Some(dir) => {
                bindings.insert(volume.clone(), dir.clone());
            }
            None if needs_dir => problems.push(problem(
                format!("spec.workspaces[{}]", workspace_index(run, &decl.name)),
                format!(
                    "workspace {:?} needs a host directory for its volume: pass --workspace {}=DIR",
                    decl.name, decl.name
                ),
            )),
            None => {}
        }
        let claim = binding
            .and_then(|b| b.persistent_volume_claim.as_ref())
            .and_then(|c| c.get("claimName"))
            .and_then(|c| c.as_str())
            .unwrap_or("");
        vars.set(format!("workspaces.{}.path", decl.name), decl.path());
        vars.set(format!("workspaces.{}.claim", decl.name), claim);
        vars.set(format!("workspaces.{}.volume", decl.name), volume.clone());
        volumes.push(VolumeSpec {
            name: volume.clone(),
        });
        mounts.push(Mount {
            name: volume,
            mount_path: decl.path(),
            sub_path: binding.and_then(|b| b.sub_path.clone()),
            read_only: decl.read_only,
        });
    }
    (volumes, mounts, bindings)
}

fn workspace_index(run: &TaskRun, name: &str) -> usize {
    run.spec
        .workspaces
        .iter()
        .position(|b| b.name == name)
        .unwrap_or(0)
}
