//! Choosing the command from `TEKTON_PLATFORM_COMMANDS` when `-entrypoint` is empty.
//!
//! The controller sets this variable for multi-arch images whose entrypoint
//! differs per platform: a JSON object from `os/arch[/variant]` to a command.

use std::collections::HashMap;

/// The environment variable holding the per-platform commands.
pub const ENV: &str = "TEKTON_PLATFORM_COMMANDS";

/// Why no command could be chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    #[error("no command: -entrypoint is empty and {ENV} is not set")]
    Unset,
    #[error("{ENV} is not a JSON object of platform to command list: {0}")]
    Malformed(String),
    #[error("{ENV} has no command for platform {0:?}")]
    NoMatch(String),
    #[error("{ENV} has an empty command for platform {0:?}")]
    Empty(String),
}

/// This machine's platform in Go's `os/arch[/variant]` form (e.g. `linux/amd64`, `linux/arm64/v8`).
pub fn current() -> String {
    let os = std::env::consts::OS;
    let (arch, variant) = match std::env::consts::ARCH {
        "x86_64" => ("amd64", None),
        "x86" => ("386", None),
        "aarch64" => ("arm64", Some("v8")),
        "arm" => ("arm", Some("v7")),
        "powerpc64" if cfg!(target_endian = "little") => ("ppc64le", None),
        "loongarch64" => ("loong64", None),
        other => (other, None),
    };
    match variant {
        Some(v) => format!("{os}/{arch}/{v}"),
        None => format!("{os}/{arch}"),
    }
}

/// Picks the command for `platform` from the JSON `spec`: the exact key first,
/// then the key without its last `/variant` part.
pub fn select(spec: &str, platform: &str) -> Result<Vec<String>, PlatformError> {
    if spec.trim().is_empty() {
        return Err(PlatformError::Unset);
    }
    let commands: HashMap<String, Vec<String>> =
        serde_json::from_str(spec).map_err(|e| PlatformError::Malformed(e.to_string()))?;
    let without_variant = platform.rsplit_once('/').map(|(head, _)| head);
    let command = commands
        .get(platform)
        .or_else(|| without_variant.and_then(|p| commands.get(p)))
        .ok_or_else(|| PlatformError::NoMatch(platform.to_string()))?;
    if command.is_empty() {
        return Err(PlatformError::Empty(platform.to_string()));
    }
    Ok(command.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_then_without_variant() {
        let spec = r#"{"linux/amd64":["a","1"],"linux/arm64":["b"]}"#;
        assert_eq!(select(spec, "linux/amd64").unwrap(), ["a", "1"]);
        assert_eq!(select(spec, "linux/arm64/v8").unwrap(), ["b"]);
        assert_eq!(
            select(spec, "linux/s390x"),
            Err(PlatformError::NoMatch("linux/s390x".into()))
        );
    }

    #[test]
    fn errors() {
        assert_eq!(select("", "linux/amd64"), Err(PlatformError::Unset));
        assert!(matches!(
            select("[1]", "linux/amd64"),
            Err(PlatformError::Malformed(_))
        ));
        assert!(matches!(
            select(r#"{"linux/amd64":[]}"#, "linux/amd64"),
            Err(PlatformError::Empty(_))
        ));
    }

    #[test]
    fn current_is_go_shaped() {
        assert!(current().starts_with("linux/"));
    }
}
