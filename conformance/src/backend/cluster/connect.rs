//! Which kubeconfig the backend reads, the client made from it, and the node
//! the `cluster` backend binds its Pods to.

use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::backend::Kind;

/// The admin kubeconfig `scripts/cluster up` writes, relative to the workspace.
const LOCAL_KUBECONFIG: &str = "target/cluster/run/admin.kubeconfig";

/// The kubeconfig file backend `kind` reads: `flag` (`--kubeconfig`) when
/// given; otherwise `$KUBECONFIG` when set; otherwise, for `cluster` only,
/// the local cluster's admin kubeconfig when it exists. `None` means kube's
/// defaults (`~/.kube/config`, then in-cluster configuration).
pub fn kubeconfig_path(kind: Kind, flag: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = flag {
        return Some(path.to_path_buf());
    }
    if let Some(env) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(env));
    }
    if kind == Kind::Cluster {
        let local = local_kubeconfig();
        if local.is_file() {
            return Some(local);
        }
    }
    None
}

/// Where scripts/cluster writes its admin kubeconfig in this checkout.
pub fn local_kubeconfig() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(LOCAL_KUBECONFIG)
}

/// A client for the cluster of the kubeconfig at `path` (its current
/// context), or of kube's defaults when `None`. Fails with a one-line
/// message naming the file when it cannot be read or used.
pub async fn client(path: Option<&Path>) -> Result<Client, String> {
    let config = match path {
        Some(path) => config_of(path)
            .await
            .map_err(|e| format!("kubeconfig {}: {e}", path.display()))?,
        None => Config::infer().await.map_err(|e| {
            format!(
                "no Kubernetes configuration: {e} (run scripts/cluster up, or pass --kubeconfig)"
            )
        })?,
    };
    Client::try_from(config).map_err(|e| format!("cannot make a Kubernetes client: {e}"))
}

/// The configuration of the kubeconfig at `path` (its current context);
/// the error says what is wrong with the file, the caller names it.
async fn config_of(path: &Path) -> Result<Config, String> {
    let file = Kubeconfig::read_from(path).map_err(|e| format!("cannot read it: {e}"))?;
    Config::from_custom_kubeconfig(file, &KubeConfigOptions::default())
        .await
        .map_err(|e| format!("cannot use it: {e}"))
}

/// An async runtime with one worker thread, for a client's requests.
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start an async runtime: {e}"))
}

/// How long [`answering_client`] waits for the API server's version.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// [`client`] for the kubeconfig at `path`, once its API server answered a
/// version request within 5 s; the error is one line saying what is wrong
/// with the file or why no cluster answers (with its URL), for the caller to
/// prefix with the flag that named the file.
pub async fn answering_client(path: &Path) -> Result<Client, String> {
    let config = config_of(path).await?;
    let url = config.cluster_url.to_string();
    let client =
        Client::try_from(config).map_err(|e| format!("cannot make a Kubernetes client: {e}"))?;
    match tokio::time::timeout(CONNECT_TIMEOUT, client.apiserver_version()).await {
        Ok(Ok(_)) => Ok(client),
        Ok(Err(e)) => Err(format!("no cluster answers at {url}: {e}")),
        Err(_) => Err(format!(
            "no cluster answers at {url} within {CONNECT_TIMEOUT:?}"
        )),
    }
}

/// The name of the first node (by name) whose `Ready` condition is `True`.
/// Fails when the nodes cannot be listed or none is Ready.
pub async fn ready_node(client: &Client) -> Result<String, String> {
    let nodes: Api<Node> = Api::all(client.clone());
    let list = nodes
        .list(&ListParams::default())
        .await
        .map_err(|e| format!("cannot list the nodes: {e}"))?;
    let mut ready: Vec<String> = list
        .items
        .iter()
        .filter(|n| is_ready(n))
        .filter_map(|n| n.metadata.name.clone())
        .collect();
    ready.sort();
    ready
        .into_iter()
        .next()
        .ok_or_else(|| "no node is Ready (scripts/cluster status)".to_string())
}

/// Whether `node` reports the `Ready` condition as `True`.
pub fn is_ready(node: &Node) -> bool {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flag_wins_over_everything() {
        let flag = Path::new("/some/where.kubeconfig");
        assert_eq!(
            kubeconfig_path(Kind::Cluster, Some(flag)).as_deref(),
            Some(flag)
        );
    }

    #[test]
    fn ready_means_the_ready_condition_is_true() {
        let node = |status: &str| -> Node {
            serde_json::from_value(json!({
                "metadata": {"name": "n"},
                "status": {"conditions": [
                    {"type": "MemoryPressure", "status": "False"},
                    {"type": "Ready", "status": status}
                ]}
            }))
            .unwrap()
        };
        assert!(is_ready(&node("True")));
        assert!(!is_ready(&node("False")));
        assert!(!is_ready(&node("Unknown")));
        assert!(!is_ready(&Node::default()));
    }
}
