//! Go-syntax durations (`300ms`, `1.5s`, `2m`, `1h2m3s`), the form Tekton uses
//! for `timeout` fields and the entrypoint's `-timeout` flag.

use std::time::Duration;

/// Why a duration string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// The text is not a Go duration.
    #[error("invalid duration {0:?}: expected a Go duration such as 300ms, 1.5s, 2m or 1h2m3s")]
    Syntax(String),
    /// The text is a Go duration but negative.
    #[error("invalid duration {0:?}: must not be negative")]
    Negative(String),
}

/// Parses a Go duration into a [`Duration`].
///
/// Accepts what Go's `time.ParseDuration` accepts for non-negative values: a
/// sequence of decimal numbers with optional fraction and a unit (`ns`, `us`,
/// `µs`, `ms`, `s`, `m`, `h`), or a bare `0`. A leading `-` with a non-zero
/// value gives [`DurationError::Negative`]; anything else unparsable gives
/// [`DurationError::Syntax`].
pub fn parse_go_duration(text: &str) -> Result<Duration, DurationError> {
    let syntax = || DurationError::Syntax(text.to_string());
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if body == "0" {
        return Ok(Duration::ZERO);
    }
    if body.is_empty() {
        return Err(syntax());
    }
    let mut total_nanos: f64 = 0.0;
    let mut rest = body;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(syntax)?;
        let number: f64 = rest[..number_len].parse().map_err(|_| syntax())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(syntax()),
        };
        total_nanos += number * scale;
        rest = &rest[unit_len..];
    }
    if negative && total_nanos > 0.0 {
        return Err(DurationError::Negative(text.to_string()));
    }
    if !total_nanos.is_finite() || total_nanos > u64::MAX as f64 {
        return Err(syntax());
    }
    Ok(Duration::from_nanos(total_nanos.round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_forms() {
        assert_eq!(parse_go_duration("300ms"), Ok(Duration::from_millis(300)));
        assert_eq!(parse_go_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_go_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_go_duration("1h2m3s"), Ok(Duration::from_secs(3723)));
        assert_eq!(parse_go_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_go_duration("10us"), Ok(Duration::from_micros(10)));
    }

    #[test]
    fn rejects_bad_forms() {
        for bad in ["", "5", "1x", "s", "1.2.3s", "abc", "1h-2m"] {
            assert!(
                matches!(parse_go_duration(bad), Err(DurationError::Syntax(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_go_duration("-1s"),
            Err(DurationError::Negative(_))
        ));
    }
}
