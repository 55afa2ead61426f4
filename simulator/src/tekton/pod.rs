//! What a TaskRun puts on its Pod's metadata, as upstream's pod builder
//! does: the TaskRun's own labels and annotations, `tekton.dev/task` (only
//! for a `taskRef`), `tekton.dev/taskRun` and `tekton.dev/taskRunUID`, the
//! namespace, the service account and the owner reference to the TaskRun.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

use super::model::TaskRun;
use crate::customrun::render::DEFAULT_SERVICE_ACCOUNT;

/// The TaskRun a Pod belongs to, as its metadata names it.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    /// The TaskRun's name.
    pub name: &'a str,
    /// Its namespace.
    pub namespace: &'a str,
    /// Its UID (given, or the one podsim made up for it).
    pub uid: &'a str,
    /// The Task's name when the TaskRun refers to it (`taskRef`).
    pub task_ref: Option<&'a str>,
}

/// Marks `pod` as the Pod of `run` (named by `owner`).
pub fn mark(pod: &mut Pod, run: &TaskRun, owner: Owner<'_>) {
    let meta = &mut pod.metadata;
    let labels = meta.labels.get_or_insert_with(BTreeMap::new);
    labels.extend(run.metadata.labels.clone());
    match owner.task_ref {
        Some(task) => labels.insert("tekton.dev/task".into(), task.to_string()),
        None => labels.remove("tekton.dev/task"),
    };
    labels.insert("tekton.dev/taskRun".into(), owner.name.to_string());
    labels.insert("tekton.dev/taskRunUID".into(), owner.uid.to_string());
    if !run.metadata.annotations.is_empty() {
        meta.annotations
            .get_or_insert_with(BTreeMap::new)
            .extend(run.metadata.annotations.clone());
    }
    meta.namespace = Some(owner.namespace.to_string());
    meta.owner_references = Some(vec![OwnerReference {
        api_version: "tekton.dev/v1".into(),
        kind: "TaskRun".into(),
        name: owner.name.to_string(),
        uid: owner.uid.to_string(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }]);
    if let Some(spec) = pod.spec.as_mut() {
        spec.service_account_name = Some(
            run.spec
                .service_account_name
                .clone()
                .unwrap_or_else(|| DEFAULT_SERVICE_ACCOUNT.to_string()),
        );
    }
}
