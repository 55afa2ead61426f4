//! Parsing the RFC 3339 times runtimes report (`Z` or a numeric offset, any
//! number of fractional digits).

use std::time::{Duration, SystemTime};

/// Parses an RFC 3339 time such as `2024-05-01T10:00:00Z`,
/// `2024-05-01T10:00:00.123Z` or `2024-05-01T12:00:00.123456789+02:00`.
/// Returns `None` for anything else, and for Go's zero time (year 1), which
/// podman reports for "never".
pub fn parse(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    if text.starts_with("0001-") {
        return None;
    }
    let (body, offset_secs) = split_offset(text)?;
    // humantime accepts at most 9 fractional digits and wants a `Z`.
    let (main, frac) = match body.split_once('.') {
        Some((main, frac)) => (main, &frac[..frac.len().min(9)]),
        None => (body, ""),
    };
    let normalised = if frac.is_empty() {
        format!("{main}Z")
    } else {
        format!("{main}.{frac}Z")
    };
    let at = humantime::parse_rfc3339_weak(&normalised).ok()?;
    if offset_secs >= 0 {
        at.checked_sub(Duration::from_secs(offset_secs as u64))
    } else {
        at.checked_add(Duration::from_secs(offset_secs.unsigned_abs()))
    }
}

fn split_offset(text: &str) -> Option<(&str, i64)> {
    if let Some(body) = text.strip_suffix('Z').or_else(|| text.strip_suffix('z')) {
        return Some((body, 0));
    }
    let cut = text.len().checked_sub(6)?;
    let (body, offset) = text.split_at(cut);
    let sign = match offset.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return Some((text, 0)),
    };
    let (h, m) = offset[1..].split_once(':')?;
    let secs = h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60;
    Some((body, sign * secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_fractions_agree() {
        let a = parse("2024-05-01T10:00:00.123Z").unwrap();
        let b = parse("2024-05-01T12:00:00.123000000+02:00").unwrap();
        let c = parse("2024-05-01T10:00:00.123456789123Z").unwrap();
        assert_eq!(a, b);
        assert!(c > a);
        assert!(parse("2024-05-01T10:00:00Z").unwrap() < a);
    }

    #[test]
    fn zero_time_and_garbage_are_none() {
        assert_eq!(parse("0001-01-01T00:00:00Z"), None);
        assert_eq!(parse("yesterday"), None);
        assert_eq!(parse(""), None);
    }
}
