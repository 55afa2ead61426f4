//! Scripts: controller-side variable substitution and the `place-scripts`
//! init container that writes each script base64-encoded and decodes it with
//! the entrypoint's `decode-script`.

use base64::Engine;

use crate::scenario::Scenario;

/// Mount path of the scripts volume.
pub const SCRIPTS_DIR: &str = "/tekton/scripts";

/// Preamble put before a script that has no `#!` line.
const DEFAULT_PREAMBLE: &str = "#!/bin/sh\nset -e\n";

/// A script to place: its file name under [`SCRIPTS_DIR`] and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedScript {
    /// Absolute container path of the script file.
    pub path: String,
    /// The script as it will be run (preamble added when needed).
    pub body: String,
}

/// The script file for `prefix` (`script` or `sidecar-script`) number `index`,
/// with a short deterministic suffix in place of upstream's random one.
pub fn place(prefix: &str, index: usize, owner: &str, body: &str) -> PlacedScript {
    let body = if body.starts_with("#!") {
        body.to_string()
    } else {
        format!("{DEFAULT_PREAMBLE}{body}")
    };
    PlacedScript {
        path: format!("{SCRIPTS_DIR}/{prefix}-{index}-{}", suffix(owner, index)),
        body,
    }
}

/// The `sh -c` program of the `place-scripts` init container: for each
/// script, write its base64 form with a quoted here-document, make it
/// executable, and decode it in place with `<bin> decode-script`.
pub fn placement_program(scripts: &[PlacedScript], entrypoint_bin: &str) -> String {
    let engine = base64::engine::general_purpose::STANDARD;
    let mut program = String::new();
    for script in scripts {
        let encoded = engine.encode(script.body.as_bytes());
        program.push_str(&format!(
            "scriptfile=\"{path}\"\ntouch ${{scriptfile}} && chmod +x ${{scriptfile}}\ncat > ${{scriptfile}} << '_EOF_'\n{encoded}\n_EOF_\n{entrypoint_bin} decode-script \"${{scriptfile}}\"\n",
            path = script.path,
        ));
    }
    program
}

/// Replaces the variables Tekton's controller resolves before the Pod exists:
/// `$(results.<r>.path)`, `$(step.results.<r>.path)` (for `step`),
/// `$(steps.<s>.results.<r>.path)` and `$(context.task.name)`. Unknown
/// variables are left for the entrypoint (e.g. `$(steps.<s>.results.<r>)`).
pub fn substitute(text: &str, scenario: &Scenario, step: Option<&str>) -> String {
    replace_references(text, |var| resolve(var, scenario, step))
}

/// Replaces each `$(var)` of `text` that `lookup` knows; unknown ones stay
/// as written. A `$(` whose body holds another `$(`, as in shell command
/// substitution around a reference (`$(cat $(results.r.path))`), is text:
/// the references inside it are still replaced.
pub fn replace_references(text: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    if !text.contains("$(") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("$(") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find(')') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let var = &after[..end];
        if var.contains("$(") {
            out.push_str("$(");
            rest = after;
            continue;
        }
        match lookup(var) {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[start..start + 2 + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn resolve(var: &str, scenario: &Scenario, step: Option<&str>) -> Option<String> {
    let parts: Vec<&str> = var.split('.').collect();
    match parts.as_slice() {
        ["results", name, "path"] => Some(format!("/tekton/results/{name}")),
        ["step", "results", name, "path"] => {
            step.map(|s| format!("/tekton/steps/step-{s}/results/{name}"))
        }
        ["steps", s, "results", name, "path"] => {
            Some(format!("/tekton/steps/step-{s}/results/{name}"))
        }
        ["context", "task", "name"] => Some(scenario.name.clone()),
        _ => None,
    }
}

/// Five lowercase alphanumerics derived from `owner` and `index` (FNV-1a).
fn suffix(owner: &str, index: usize) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in owner.bytes().chain(index.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..5)
        .map(|i| ALPHABET[((hash >> (i * 8)) % ALPHABET.len() as u64) as usize] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario() -> Scenario {
        crate::input::parse("t", "name: demo\nsteps: [{name: a, command: [true]}]\n")
            .ok()
            .and_then(|i| match i {
                crate::input::Input::Scenario(s) => Some(*s),
                _ => None,
            })
            .expect("test scenario parses")
    }

    #[test]
    fn substitutes_controller_variables_only() {
        let s = scenario();
        let text = "$(results.out.path) $(step.results.x.path) $(steps.b.results.y.path) $(context.task.name) $(steps.b.results.y) $(";
        assert_eq!(
            substitute(text, &s, Some("a")),
            "/tekton/results/out /tekton/steps/step-a/results/x /tekton/steps/step-b/results/y demo $(steps.b.results.y) $("
        );
    }

    #[test]
    fn adds_preamble_without_shebang() {
        let placed = place("script", 0, "a", "echo hi");
        assert_eq!(placed.body, "#!/bin/sh\nset -e\necho hi");
        assert!(placed.path.starts_with("/tekton/scripts/script-0-"));
        assert_eq!(
            place("script", 0, "a", "#!/bin/bash\nx").body,
            "#!/bin/bash\nx"
        );
    }
}
