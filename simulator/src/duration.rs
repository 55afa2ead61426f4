//! Go-syntax durations (`300ms`, `1.5s`, `2m`, `1h2m3s`), the form Tekton uses
//! for `timeout` fields and the entrypoint's `-timeout` flag.
//!
//! A thin adapter over [`entrypoint::duration`], which parses exactly what
//! Go's `time.ParseDuration` accepts (integer nanoseconds, fractions truncated
//! as Go does): the simulator only adds that durations must not be negative.

use std::time::Duration;

use entrypoint::duration::{self as go, DurationError as GoError};

/// Why a duration string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// The text is not a Go duration (`why` says what is wrong with it).
    #[error("invalid duration {text:?}: {why}")]
    Syntax {
        /// The text as given.
        text: String,
        /// What is wrong with it.
        why: String,
    },
    /// The text is a Go duration but negative.
    #[error("invalid duration {0:?}: must not be negative")]
    Negative(String),
}

/// Parses a Go duration into a [`Duration`].
///
/// Accepts what Go's `time.ParseDuration` accepts for non-negative values: a
/// sequence of decimal numbers with optional fraction and a unit (`ns`, `us`,
/// `µs`, `ms`, `s`, `m`, `h`), or a bare `0`. A negative value gives
/// [`DurationError::Negative`]; anything else unparsable (including values
/// beyond Go's range of about 292 years) gives [`DurationError::Syntax`].
pub fn parse_go_duration(text: &str) -> Result<Duration, DurationError> {
    let parsed = go::parse(text).map_err(|e| DurationError::Syntax {
        text: text.to_string(),
        why: match e {
            GoError::Invalid(_) => {
                "expected a Go duration such as 300ms, 1.5s, 2m or 1h2m3s".to_string()
            }
            GoError::MissingUnit(_) => "missing unit (use ns, us, ms, s, m or h)".to_string(),
            GoError::UnknownUnit { unit, .. } => {
                format!("unknown unit {unit:?} (use ns, us, ms, s, m or h)")
            }
            GoError::Overflow(_) => "out of range".to_string(),
        },
    })?;
    parsed
        .to_std()
        .ok_or_else(|| DurationError::Negative(text.to_string()))
}

/// Formats `d` as Go's `time.Duration.String` does (`500ms`, `2s`, `1.5s`,
/// `1m30s`, `1h0m0s`): how upstream's messages quote a timeout.
pub fn format_go_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    // `value` in units of 10^-`scale`, with the fraction's trailing zeros dropped.
    let decimal = |value: u128, scale: u32| {
        let unit = 10u128.pow(scale);
        let frac = format!("{:0width$}", value % unit, width = scale as usize);
        let frac = frac.trim_end_matches('0');
        match frac {
            "" => format!("{}", value / unit),
            _ => format!("{}.{frac}", value / unit),
        }
    };
    match nanos {
        0 => "0s".to_string(),
        n if n < 1_000 => format!("{n}ns"),
        n if n < 1_000_000 => format!("{}\u{b5}s", decimal(n, 3)),
        n if n < 1_000_000_000 => format!("{}ms", decimal(n, 6)),
        n => {
            let secs = decimal(n % 60_000_000_000, 9);
            let minutes = n / 60_000_000_000;
            match (minutes / 60, minutes % 60) {
                (0, 0) => format!("{secs}s"),
                (0, m) => format!("{m}m{secs}s"),
                (h, m) => format!("{h}h{m}m{secs}s"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_go() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_nanos(5), "5ns"),
            (Duration::from_micros(15), "15\u{b5}s"),
            (Duration::from_micros(1500), "1.5ms"),
            (Duration::from_millis(500), "500ms"),
            (Duration::from_secs(2), "2s"),
            (Duration::from_millis(1500), "1.5s"),
            (Duration::from_secs(90), "1m30s"),
            (Duration::from_secs(120), "2m0s"),
            (Duration::from_secs(3600), "1h0m0s"),
            (Duration::new(4530, 918_273_645), "1h15m30.918273645s"),
        ];
        for (d, text) in cases {
            assert_eq!(format_go_duration(d), text, "{d:?}");
        }
    }

    #[test]
    fn parses_go_forms() {
        assert_eq!(parse_go_duration("300ms"), Ok(Duration::from_millis(300)));
        assert_eq!(parse_go_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_go_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_go_duration("1h2m3s"), Ok(Duration::from_secs(3723)));
        assert_eq!(parse_go_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_go_duration("-0"), Ok(Duration::ZERO));
        assert_eq!(parse_go_duration("10us"), Ok(Duration::from_micros(10)));
        // Exact, as Go: no floating-point rounding.
        assert_eq!(
            parse_go_duration("1h15m30.918273645s"),
            Ok(Duration::new(4530, 918_273_645))
        );
    }

    #[test]
    fn rejects_bad_forms() {
        for bad in ["", "5", "1x", "s", "1.2.3s", "abc", "1h-2m", "9999999999h"] {
            assert!(
                matches!(parse_go_duration(bad), Err(DurationError::Syntax { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_go_duration("-1s"),
            Err(DurationError::Negative(_))
        ));
        let missing = parse_go_duration("5").map_err(|e| e.to_string());
        assert_eq!(
            missing,
            Err("invalid duration \"5\": missing unit (use ns, us, ms, s, m or h)".to_string())
        );
    }
}
