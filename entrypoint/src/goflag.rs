//! A small shim that reads Go `flag` syntax and hands clap a canonical form.
//!
//! Go's `flag` package accepts `-name value`, `-name=value`, `--name value` and
//! `--name=value`; boolean flags are set by `-name` alone or `-name=<bool>`
//! (never by a separate word). Parsing stops at `--` or at the first word that
//! does not start with `-`. This module splits an argument list the way
//! upstream's entrypoint does and rewrites every flag as `--name=value`, which
//! clap then parses into typed values. The shim only needs to know each flag's
//! name and whether it is boolean; both are read from the clap definition.

use std::collections::HashMap;

/// What the shim needs to know about one flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagKind {
    /// Takes a value: `-name value` or `-name=value`.
    Value,
    /// Boolean: `-name` or `-name=<bool>`.
    Bool,
}

/// An argument list split the way upstream's entrypoint splits it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Split {
    /// Flags in canonical `--name=value` form, in the order given.
    pub flags: Vec<String>,
    /// Words left after flag parsing stopped (a subcommand and its arguments).
    pub positional: Vec<String>,
    /// Everything after the first `--`: arguments for the wrapped command.
    pub command_args: Vec<String>,
}

/// A Go-syntax problem, worded like Go's `flag` package words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShimError {
    #[error("flag provided but not defined: -{0}")]
    Undefined(String),
    #[error("flag needs an argument: -{0}")]
    MissingValue(String),
    #[error("bad flag syntax: {0}")]
    BadSyntax(String),
    #[error("invalid boolean value {value:?} for -{name}: parse error")]
    BadBool { name: String, value: String },
    /// `-h` or `-help` was asked for (and is not a defined flag).
    #[error("help requested")]
    Help,
}

/// Parses a Go boolean as `strconv.ParseBool` does.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Splits `args` (without the program name) into flags, positional words and
/// command arguments, validating flag syntax against `kinds`.
///
/// The first `--` anywhere ends the flags; what follows belongs to the wrapped
/// command. Before it, flag parsing stops at the first word that is not a flag.
/// Errors name the flag as the user typed it; nothing is ever panicked on.
pub fn split(args: &[String], kinds: &HashMap<String, FlagKind>) -> Result<Split, ShimError> {
    let (before, command_args) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], args[i + 1..].to_vec()),
        None => (args, Vec::new()),
    };
    let mut flags = Vec::new();
    let mut i = 0;
    while i < before.len() {
        let word = &before[i];
        if word.len() < 2 || !word.starts_with('-') {
            break;
        }
        let body = word.strip_prefix("--").unwrap_or(&word[1..]);
        if body.is_empty() || body.starts_with('-') || body.starts_with('=') {
            return Err(ShimError::BadSyntax(word.clone()));
        }
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        let kind = match kinds.get(name) {
            Some(kind) => *kind,
            None if name == "h" || name == "help" => return Err(ShimError::Help),
            None => return Err(ShimError::Undefined(name.to_string())),
        };
        let value = match (kind, inline) {
            (FlagKind::Bool, None) => "true".to_string(),
            (FlagKind::Bool, Some(v)) => parse_bool(v)
                .ok_or_else(|| ShimError::BadBool {
                    name: name.to_string(),
                    value: v.to_string(),
                })?
                .to_string(),
            (FlagKind::Value, Some(v)) => v.to_string(),
            (FlagKind::Value, None) => {
                i += 1;
                before
                    .get(i)
                    .cloned()
                    .ok_or_else(|| ShimError::MissingValue(name.to_string()))?
            }
        };
        flags.push(format!("--{name}={value}"));
        i += 1;
    }
    Ok(Split {
        flags,
        positional: before[i..].to_vec(),
        command_args,
    })
}

/// Finds the last value given for flag `name` without validating anything else.
///
/// Used on the error path: when the command line is unusable we still want the
/// `-post_file` so that an `.err` file tells later steps to skip, not hang.
pub fn find_value(args: &[String], name: &str) -> Option<String> {
    let mut found = None;
    let mut words = args.iter().take_while(|a| *a != "--");
    while let Some(word) = words.next() {
        let Some(body) = word.strip_prefix("--").or_else(|| word.strip_prefix('-')) else {
            continue;
        };
        match body.split_once('=') {
            Some((n, v)) if n == name => found = Some(v.to_string()),
            None if body == name => found = words.next().cloned().or(found),
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> HashMap<String, FlagKind> {
        [
            ("post_file", FlagKind::Value),
            ("wait_file_content", FlagKind::Bool),
        ]
        .into_iter()
        .map(|(n, k)| (n.to_string(), k))
        .collect()
    }

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn four_spellings_and_booleans() {
        for line in [
            "-post_file p -wait_file_content",
            "--post_file p --wait_file_content=true",
            "-post_file=p -wait_file_content=1",
            "--post_file=p -wait_file_content=T",
        ] {
            let s = split(&words(line), &kinds()).unwrap();
            assert_eq!(
                s.flags,
                ["--post_file=p", "--wait_file_content=true"],
                "{line}"
            );
        }
    }

    #[test]
    fn stops_at_terminator_and_positional() {
        let s = split(&words("-post_file p cp a -b -- x -y"), &kinds()).unwrap();
        assert_eq!(s.flags, ["--post_file=p"]);
        assert_eq!(s.positional, words("cp a -b"));
        assert_eq!(s.command_args, words("x -y"));
        // A bool never consumes the next word.
        let s = split(&words("-wait_file_content false"), &kinds()).unwrap();
        assert_eq!(s.positional, ["false"]);
        // A single dash is a positional word.
        let s = split(&words("- x"), &kinds()).unwrap();
        assert_eq!(s.positional, words("- x"));
    }

    #[test]
    fn errors_are_go_worded() {
        let e = |line: &str| split(&words(line), &kinds()).unwrap_err().to_string();
        assert_eq!(e("-nope"), "flag provided but not defined: -nope");
        assert_eq!(e("-post_file"), "flag needs an argument: -post_file");
        assert_eq!(e("---post_file=x"), "bad flag syntax: ---post_file=x");
        assert_eq!(e("-=x"), "bad flag syntax: -=x");
        assert_eq!(
            e("-wait_file_content=yes"),
            "invalid boolean value \"yes\" for -wait_file_content: parse error"
        );
        assert_eq!(split(&words("-help"), &kinds()), Err(ShimError::Help));
    }

    #[test]
    fn value_may_look_like_a_flag() {
        let s = split(&words("-post_file -x"), &kinds()).unwrap();
        assert_eq!(s.flags, ["--post_file=-x"]);
    }

    #[test]
    fn find_value_is_lenient() {
        assert_eq!(
            find_value(&words("-bogus -post_file a -x"), "post_file"),
            Some("a".into())
        );
        assert_eq!(
            find_value(&words("--post_file=b -- -post_file c"), "post_file"),
            Some("b".into())
        );
        assert_eq!(find_value(&words("-post_file"), "post_file"), None);
    }
}
