//! The command of an image, for a step that gives only `image`: upstream
//! asks the registry; podsim asks `--image-command IMAGE=CMD`, then the
//! local podman image store.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use crate::images::LocalImages;

/// Known image commands (`--image-command`), with the podman store as fallback.
#[derive(Debug, Clone, Default)]
pub struct ImageCommands {
    /// Command per image reference, from the command line.
    pub given: BTreeMap<String, Vec<String>>,
    /// The local image store for images not given ([`LocalImages::podman`]
    /// to ask `podman image inspect`; the default knows no image). It asks
    /// once per image, and clones share it: one inspection per image for a
    /// whole run, however many steps and child TaskRuns name the image.
    pub local: Arc<LocalImages>,
    /// `podsim validate`: an unknown image's command is what a run needs,
    /// said in a note, not a failure (upstream asks the registry only when
    /// it builds the Pod).
    pub unknown_is_a_note: bool,
    /// The images noted so far (clones share it): one note per image, however
    /// many steps give it.
    noted: Arc<Mutex<BTreeSet<String>>>,
}

impl ImageCommands {
    /// The ENTRYPOINT followed by the CMD of `image`. Fails with a message
    /// naming both ways out when neither `--image-command` nor the local
    /// image store knows the image.
    pub fn command(&self, image: Option<&str>) -> Result<Vec<String>, String> {
        let Some(image) = image else {
            return Err("a step needs a command, a script or an image".to_string());
        };
        if let Some(command) = self.given.get(image) {
            return Ok(command.clone());
        }
        let command = self.local.config(image).map(|c| c.command());
        if let Some(command) = command.filter(|c| !c.is_empty()) {
            return Ok(command);
        }
        let ways_out = format!(
            "pass --image-command {image}=CMD or make the image available to `podman image inspect`"
        );
        if self.unknown_is_a_note {
            let mut noted = self.noted.lock().unwrap_or_else(|e| e.into_inner());
            if noted.insert(image.to_string()) {
                eprintln!(
                    "podsim: note: a step gives only the image {image:?}; to run it {ways_out}"
                );
            }
            return Ok(vec![format!("<the command of {image}>")]);
        }
        Err(format!(
            "the step gives only the image {image:?} and its command is unknown: {ways_out}"
        ))
    }
}

/// Parses `IMAGE=CMD` (CMD split on whitespace, or a JSON array).
pub fn parse_flag(text: &str) -> Result<(String, Vec<String>), String> {
    let (image, command) = text
        .split_once('=')
        .ok_or_else(|| format!("--image-command {text:?}: expected IMAGE=CMD"))?;
    let command: Vec<String> = if command.trim_start().starts_with('[') {
        serde_json::from_str(command)
            .map_err(|e| format!("--image-command {text:?}: bad JSON array: {e}"))?
    } else {
        command.split_whitespace().map(str::to_string).collect()
    };
    if image.is_empty() || command.is_empty() {
        return Err(format!("--image-command {text:?}: expected IMAGE=CMD"));
    }
    Ok((image.to_string(), command))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_commands_win_and_unknown_images_name_both_ways_out() {
        let mut images = ImageCommands::default();
        images.given.insert("tool".into(), vec!["/bin/tool".into()]);
        assert_eq!(images.command(Some("tool")), Ok(vec!["/bin/tool".into()]));
        let err = images.command(Some("other")).expect_err("unknown");
        assert!(err.contains("--image-command other=CMD"), "{err}");
        assert!(images.command(None).is_err());
    }

    #[test]
    fn clones_share_one_image_store() {
        let images = ImageCommands {
            local: Arc::new(LocalImages::podman()),
            ..ImageCommands::default()
        };
        assert!(Arc::ptr_eq(&images.local, &images.clone().local));
    }
}
