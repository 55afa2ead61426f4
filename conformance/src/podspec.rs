//! Small helpers over a Pod's spec shared by the catalog and the backends.

use k8s_openapi::api::core::v1::{Container, PodSpec};

/// Every container of the Pod, init containers first, for in-place rewrites
/// (images, pull policies).
pub fn containers_mut(spec: &mut PodSpec) -> impl Iterator<Item = &mut Container> {
    spec.init_containers
        .iter_mut()
        .flatten()
        .chain(spec.containers.iter_mut())
}
