//! Compares two observations of one case.

use super::case::Case;
use super::sandbox::Observation;

/// Masks the value of every `StartedAt` entry of a termination message (a
/// JSON array of `{key, value, type}`), keeping the entries and their order.
/// Text that is not such an array is returned unchanged.
pub fn mask_termination(text: &str) -> String {
    let Ok(serde_json::Value::Array(entries)) = serde_json::from_str::<serde_json::Value>(text)
    else {
        return text.to_string();
    };
    // The raw bytes are kept (field order, escaping); only the values change.
    let mut out = text.to_string();
    for entry in &entries {
        if entry.get("key").and_then(|k| k.as_str()) == Some("StartedAt") {
            if let Some(value) = entry.get("value").and_then(|v| v.as_str()) {
                out = out.replace(&format!("\"{value}\""), "\"<timestamp>\"");
            }
        }
    }
    out
}

/// Every observable difference between upstream's run and ours, one line
/// each (`what: upstream X, ours Y`); empty when they agree on everything the
/// case says matters.
pub fn diff(case: &Case, upstream: &Observation, ours: &Observation) -> Vec<String> {
    let mut out = Vec::new();
    if upstream.status != ours.status {
        out.push(format!(
            "status: upstream {}, ours {}",
            upstream.status, ours.status
        ));
    }
    if case.stdout && upstream.stdout != ours.stdout {
        out.push(format!(
            "stdout: upstream {:?}, ours {:?}",
            short(&upstream.stdout),
            short(&ours.stdout)
        ));
    }
    if case.stderr && upstream.stderr != ours.stderr {
        out.push(format!(
            "stderr: upstream {:?}, ours {:?}",
            short(&upstream.stderr),
            short(&ours.stderr)
        ));
    }
    let keys: std::collections::BTreeSet<&String> =
        upstream.files.keys().chain(ours.files.keys()).collect();
    for key in keys {
        let (u, o) = (upstream.files.get(key), ours.files.get(key));
        if u != o {
            let show = |v: Option<&String>| v.map_or_else(|| "absent".to_string(), |s| short(s));
            out.push(format!("{key}: upstream {}, ours {}", show(u), show(o)));
        }
    }
    out
}

fn short(s: &str) -> String {
    if s.chars().count() > 160 {
        let head: String = s.chars().take(150).collect();
        format!("{head}… ({} bytes)", s.len())
    } else {
        s.to_string()
    }
}
