//! Go `time.ParseDuration` syntax, as accepted by upstream's `-timeout` flag.
//!
//! A duration is an optional sign followed by one or more decimal numbers, each
//! with an optional fraction and a mandatory unit (`ns`, `us`, `µs`, `μs`, `ms`,
//! `s`, `m`, `h`), e.g. `300ms`, `1.5h`, `1h2m3.5s`, `-1s`. The bare string `0`
//! is also accepted. The value is kept as signed nanoseconds, like Go's
//! `time.Duration`, so that callers can reject negative values themselves.

use std::fmt;
use std::time::Duration;

/// A signed duration with nanosecond resolution (Go's `time.Duration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct GoDuration(i64);

/// Why a string is not a Go duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("invalid duration {0:?}")]
    Invalid(String),
    #[error("missing unit in duration {0:?} (use ns, us, ms, s, m or h)")]
    MissingUnit(String),
    #[error("unknown unit {unit:?} in duration {input:?} (use ns, us, ms, s, m or h)")]
    UnknownUnit { unit: String, input: String },
    #[error("duration {0:?} is out of range")]
    Overflow(String),
}

impl GoDuration {
    /// The duration in nanoseconds; negative for negative durations.
    pub fn as_nanos(self) -> i64 {
        self.0
    }

    /// True for durations below zero.
    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The duration as a std `Duration`, or `None` when it is negative.
    pub fn to_std(self) -> Option<Duration> {
        u64::try_from(self.0).ok().map(Duration::from_nanos)
    }
}

impl fmt::Display for GoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ns", self.0)
    }
}

impl std::str::FromStr for GoDuration {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

fn unit_nanos(unit: &str) -> Option<u128> {
    Some(match unit {
        "ns" => 1,
        "us" | "\u{00b5}s" | "\u{03bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    })
}

/// Parses a Go duration string.
///
/// Accepts exactly what Go's `time.ParseDuration` accepts; anything else is an
/// error that quotes the input. Values beyond Go's range (about 292 years) are
/// an `Overflow` error rather than wrapping.
pub fn parse(input: &str) -> Result<GoDuration, DurationError> {
    let invalid = || DurationError::Invalid(input.to_string());
    let (negative, mut rest) = match input.as_bytes().first() {
        Some(b'-') => (true, &input[1..]),
        Some(b'+') => (false, &input[1..]),
        _ => (false, input),
    };
    if rest == "0" {
        return Ok(GoDuration(0));
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    // Go's limit: |d| <= 1<<63 for negative values, 1<<63 - 1 for positive ones.
    let limit: u128 = if negative {
        1u128 << 63
    } else {
        (1u128 << 63) - 1
    };
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int_digits = &rest[..int_len];
        rest = &rest[int_len..];
        let mut frac_digits = "";
        if let Some(after_dot) = rest.strip_prefix('.') {
            let frac_len = after_dot.bytes().take_while(u8::is_ascii_digit).count();
            frac_digits = &after_dot[..frac_len];
            rest = &after_dot[frac_len..];
            if int_digits.is_empty() && frac_digits.is_empty() {
                return Err(invalid());
            }
        } else if int_digits.is_empty() {
            return Err(invalid());
        }
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(rest.len(), |(i, _)| i);
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        if unit.is_empty() {
            return Err(DurationError::MissingUnit(input.to_string()));
        }
        let scale = unit_nanos(unit).ok_or_else(|| DurationError::UnknownUnit {
            unit: unit.to_string(),
            input: input.to_string(),
        })?;
        let overflow = || DurationError::Overflow(input.to_string());
        let mut value: u128 = 0;
        for d in int_digits.bytes() {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u128::from(d - b'0')))
                .filter(|v| *v <= limit)
                .ok_or_else(overflow)?;
        }
        value = value
            .checked_mul(scale)
            .filter(|v| *v <= limit)
            .ok_or_else(overflow)?;
        // Fractions are truncated to nanoseconds, as Go does.
        let mut frac_scale = scale;
        for d in frac_digits.bytes() {
            frac_scale /= 10;
            if frac_scale == 0 {
                break;
            }
            value += u128::from(d - b'0') * frac_scale;
        }
        total = total
            .checked_add(value)
            .filter(|v| *v <= limit)
            .ok_or_else(overflow)?;
    }
    let nanos = if negative {
        // total <= 1<<63, so this fits (i64::MIN when equal).
        (total as i128).wrapping_neg() as i64
    } else {
        total as i64
    };
    Ok(GoDuration(nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn upstream_examples() {
        let table: &[(&str, i64)] = &[
            ("0", 0),
            ("-0", 0),
            ("5s", 5 * S),
            ("300ms", 300_000_000),
            ("-1s", -S),
            ("1.5h", 5400 * S),
            ("1h2m3.5s", 3723 * S + S / 2),
            ("1h15m30.918273645s", 4530 * S + 918_273_645),
            ("2m", 120 * S),
            ("10ns", 10),
            ("11us", 11_000),
            ("12µs", 12_000),
            ("12μs", 12_000),
            (".5s", S / 2),
            ("1.s", S),
            ("+5s", 5 * S),
            ("1.0000000001s", S),
            ("9223372036854775807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("0.100000000000000000000h", 360 * S),
        ];
        for (input, want) in table {
            assert_eq!(parse(input).map(GoDuration::as_nanos), Ok(*want), "{input}");
        }
    }

    #[test]
    fn rejects_what_go_rejects() {
        for bad in [
            "",
            "-",
            "s",
            ".s",
            "3",
            "1.5",
            "-.",
            "5x",
            "1s3",
            "+-3s",
            "9223372036854775808ns",
            "3000000h",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(matches!(
            parse("5").unwrap_err(),
            DurationError::MissingUnit(_)
        ));
        assert!(matches!(
            parse("5d").unwrap_err(),
            DurationError::UnknownUnit { .. }
        ));
    }

    #[test]
    fn std_conversion() {
        assert_eq!(
            parse("1.5s").unwrap().to_std(),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse("-1s").unwrap().to_std(), None);
        assert!(parse("-1s").unwrap().is_negative());
    }
}
