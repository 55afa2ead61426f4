//! Rules for wrapped images: a container whose `command` replaces the
//! ENTRYPOINT of an image built around the wrapper, in any workload kind
//! and in Helm charts.

use k8s_openapi::api::core::v1::PodSpec;

use super::ordered::Raw;
use crate::glob;
use crate::images::LocalImages;

/// The fix every wrapped-image finding carries.
pub const FIX: &str = "move the command into args so the image's ENTRYPOINT (the wrapper) runs it, or call the wrapper explicitly as the first word of command";

/// Why `image` is a wrapper image: the `--wrapper-image` glob it matches,
/// or the local image config whose ENTRYPOINT is the wrapper. `None` when
/// neither says so.
pub fn wrapper_evidence(image: &str, wrappers: &[String], images: &LocalImages) -> Option<String> {
    if let Some(pattern) = wrappers.iter().find(|g| glob::matches(g, image)) {
        return Some(format!("matches --wrapper-image {pattern}"));
    }
    let config = images.config(image)?;
    config.entrypoint_is_wrapper().then(|| {
        format!(
            "its local image config has ENTRYPOINT {:?}",
            config.entrypoint
        )
    })
}

/// Containers (init containers too) of `spec` whose `command` overrides a
/// wrapper image's ENTRYPOINT: an image matched by one of `wrappers`, or
/// one whose config in the local image store names the wrapper as its
/// ENTRYPOINT. A command that itself starts with the wrapper
/// (`.../entrypoint`) is fine.
pub fn check(spec: &PodSpec, wrappers: &[String], images: &LocalImages) -> Vec<Raw> {
    let containers = spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter());
    let mut out = Vec::new();
    for c in containers {
        let Some(image) = c.image.as_deref() else {
            continue;
        };
        let Some(first) = c.command.as_ref().and_then(|cmd| cmd.first()) else {
            continue;
        };
        if first.rsplit('/').next() == Some("entrypoint") {
            continue;
        }
        let Some(evidence) = wrapper_evidence(image, wrappers, images) else {
            continue;
        };
        out.push(Raw {
            container: c.name.clone(),
            rule: "command-overrides-wrapper",
            message: format!(
                "container '{}' sets command {first:?}, which replaces the ENTRYPOINT of wrapper image {image} ({evidence}): the wrapper never runs",
                c.name
            ),
            fix: FIX.to_string(),
        });
    }
    out
}
