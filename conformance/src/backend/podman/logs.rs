//! Reading podman's `k8s-file` container logs.

/// The text of a k8s-file log: one record per line,
/// `<RFC3339Nano> <stdout|stderr> <F|P> <text>`, where `P` marks a partial
/// line continued by the next record. Malformed lines are kept as they are.
pub fn k8s_file_text(log: &str) -> String {
    let mut out = String::new();
    for line in log.lines() {
        let mut parts = line.splitn(4, ' ');
        let (_time, stream, tag, text) = (parts.next(), parts.next(), parts.next(), parts.next());
        match (stream, tag) {
            (Some("stdout" | "stderr"), Some(tag @ ("F" | "P"))) => {
                out.push_str(text.unwrap_or_default());
                if tag == "F" {
                    out.push('\n');
                }
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_partial_records() {
        let log = "2026-11-23T15:00:55.2+00:00 stdout P hel\n2026-11-23T15:00:55.3+00:00 stdout F lo\n2026-11-23T15:00:55.4+00:00 stderr F oops\n2026-11-23T15:00:55.5+00:00 stdout F \n";
        assert_eq!(k8s_file_text(log), "hello\noops\n\n");
    }
}
