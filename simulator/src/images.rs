//! The local image store: what podman knows of an image's config, for the
//! tools that need an image's ENTRYPOINT without a registry (`podsim run` for
//! image-only steps, `podsim lint` for wrapper images).

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// The part of an image's config that decides what a container runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageConfig {
    /// `Config.Entrypoint`, empty when the image sets none.
    pub entrypoint: Vec<String>,
    /// `Config.Cmd`, empty when the image sets none.
    pub cmd: Vec<String>,
}

impl ImageConfig {
    /// What a container of this image runs when it sets neither `command`
    /// nor `args`: the ENTRYPOINT followed by the CMD.
    pub fn command(&self) -> Vec<String> {
        self.entrypoint.iter().chain(&self.cmd).cloned().collect()
    }

    /// Whether the ENTRYPOINT is the step wrapper: its first word is a
    /// program named `entrypoint` (Tekton's `/ko-app/entrypoint`, ours).
    pub fn entrypoint_is_wrapper(&self) -> bool {
        self.entrypoint
            .first()
            .is_some_and(|first| first.rsplit('/').next() == Some("entrypoint"))
    }
}

/// Reads `{{json .Config.Entrypoint}}\t{{json .Config.Cmd}}` as podman
/// prints it (`null` for an unset field). `None` when the text is not that.
pub fn parse_inspect(text: &str) -> Option<ImageConfig> {
    let (entrypoint, cmd) = text.trim().split_once('\t')?;
    let field = |json: &str| -> Option<Vec<String>> {
        serde_json::from_str::<Option<Vec<String>>>(json)
            .ok()
            .map(Option::unwrap_or_default)
    };
    Some(ImageConfig {
        entrypoint: field(entrypoint)?,
        cmd: field(cmd)?,
    })
}

/// The images podman has locally, asked once per image reference.
///
/// A store that is [`LocalImages::disabled`], or whose podman cannot be
/// run, knows no image: every lookup is `None`, never an error, since the
/// store only ever adds knowledge to what the user gave.
#[derive(Debug, Default)]
pub struct LocalImages {
    enabled: bool,
    known: Mutex<HashMap<String, Option<ImageConfig>>>,
}

impl LocalImages {
    /// A store that asks `podman image inspect`.
    pub fn podman() -> LocalImages {
        LocalImages {
            enabled: true,
            known: Mutex::default(),
        }
    }

    /// A store that knows no image (asks nothing).
    pub fn disabled() -> LocalImages {
        LocalImages::default()
    }

    /// The config of `image`, or `None` when the store does not have it.
    pub fn config(&self, image: &str) -> Option<ImageConfig> {
        if !self.enabled {
            return None;
        }
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        known
            .entry(image.to_string())
            .or_insert_with(|| inspect(image))
            .clone()
    }
}

/// Asks `podman image inspect` for `image`'s config, uncached (callers go
/// through [`LocalImages`]); `None` when podman cannot be run or does not
/// have the image.
fn inspect(image: &str) -> Option<ImageConfig> {
    let out = Command::new("podman")
        .args([
            "image",
            "inspect",
            "--format",
            "{{json .Config.Entrypoint}}\t{{json .Config.Cmd}}",
            image,
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    parse_inspect(&String::from_utf8(out.stdout).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_fields_and_null() {
        let config = parse_inspect("[\"/ko-app/entrypoint\"]\tnull\n").expect("parses");
        assert_eq!(config.entrypoint, ["/ko-app/entrypoint"]);
        assert!(config.cmd.is_empty());
        assert!(config.entrypoint_is_wrapper());
        let config = parse_inspect("null\t[\"sh\",\"-c\",\"true\"]").expect("parses");
        assert_eq!(config.command(), ["sh", "-c", "true"]);
        assert!(!config.entrypoint_is_wrapper());
    }

    #[test]
    fn rejects_other_text() {
        assert_eq!(parse_inspect("no tab here"), None);
        assert_eq!(parse_inspect("{}\tnull"), None);
    }

    #[test]
    fn a_disabled_store_knows_nothing() {
        assert_eq!(LocalImages::disabled().config("busybox"), None);
    }
}
