//! Step-result substitution: `$(steps.<step>.results.<name>)` before the command runs.
//!
//! A reference is read from `<steps_dir>/step-<step>/results/<name>` (the
//! steps dir is normally `/tekton/steps`, whose entries `step-init` links to
//! each step's status dir). The file holds a string, an array of strings or an
//! object of strings, told apart the way upstream does (see [`ResultValue::parse`]).
//! Selectors: none (a string result), `[i]` (an array element), `[*]` (a whole
//! array, only as a whole argument, where it becomes several arguments) and
//! `.key` (an object field).

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

const OPEN: &str = "$(steps.";

/// Why a reference could not be substituted.
#[derive(Debug, thiserror::Error)]
pub enum SubstituteError {
    /// The text between `$(` and `)` is not a step result reference we can read.
    #[error("malformed step result reference `{reference}`: {reason}")]
    Malformed {
        /// The reference as written, `$(...)` included.
        reference: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A step or result name that could leave the results directory.
    #[error("step result reference `{reference}`: step and result names must not contain `/`, `..` or NUL")]
    UnsafeName {
        /// The reference as written.
        reference: String,
    },
    /// The result file could not be read (missing, unreadable, a directory...).
    #[error("step result reference `{reference}`: cannot read {}: {source}", path.display())]
    Read {
        /// The reference as written.
        reference: String,
        /// The file that was read.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The result file is neither JSON nor UTF-8 text.
    #[error("step result reference `{reference}`: {} is not valid UTF-8", path.display())]
    NotUtf8 {
        /// The reference as written.
        reference: String,
        /// The file that was read.
        path: PathBuf,
    },
    /// `[i]` past the end of the array.
    #[error("step result reference `{reference}`: index {index} is out of range for an array of {len} element(s)")]
    IndexOutOfRange {
        /// The reference as written.
        reference: String,
        /// The index asked for.
        index: usize,
        /// The array's length.
        len: usize,
    },
    /// `.key` naming a field the object does not have.
    #[error("step result reference `{reference}`: the object result has no key `{key}`")]
    MissingKey {
        /// The reference as written.
        reference: String,
        /// The key asked for.
        key: String,
    },
    /// The selector does not fit the kind of value in the file.
    #[error("step result reference `{reference}`: {expected}, but the result is {found}")]
    WrongType {
        /// The reference as written.
        reference: String,
        /// What the selector needs, e.g. "`[1]` needs an array result".
        expected: &'static str,
        /// What the file holds: "a string", "an array" or "an object".
        found: &'static str,
    },
    /// `[*]` inside a larger string, in an env value or in a `when` input.
    #[error("step result reference `{reference}`: `[*]` expands to several values and is only allowed as a whole argument")]
    StarNotAlone {
        /// The reference as written.
        reference: String,
    },
}

/// The value of a step result, typed as upstream's result values are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultValue {
    /// A plain or JSON-quoted string.
    String(String),
    /// A JSON array of strings.
    Array(Vec<String>),
    /// A JSON object whose values are strings.
    Object(BTreeMap<String, String>),
}

impl ResultValue {
    /// Types a result file's content the way upstream does.
    ///
    /// Empty content is the empty string. Content starting with `[` that parses
    /// as a JSON array of strings is an array, content starting with `{` that
    /// parses as a JSON object of strings is an object (JSON `null` elements
    /// read as `""`, later duplicate keys win). Anything else is a string: the
    /// decoded string when the content is a JSON string (so `"a b"` gives
    /// `a b`; `null` gives the empty string), otherwise the content verbatim,
    /// trailing newline included. Returns `None` only when the content is not
    /// JSON and not UTF-8.
    pub fn parse(content: &[u8]) -> Option<ResultValue> {
        match content.first() {
            None => return Some(ResultValue::String(String::new())),
            Some(b'[') => {
                if let Ok(items) = serde_json::from_slice::<Vec<Option<String>>>(content) {
                    return Some(ResultValue::Array(
                        items.into_iter().map(Option::unwrap_or_default).collect(),
                    ));
                }
            }
            Some(b'{') => {
                if let Ok(map) = serde_json::from_slice::<BTreeMap<String, Option<String>>>(content)
                {
                    return Some(ResultValue::Object(
                        map.into_iter()
                            .map(|(k, v)| (k, v.unwrap_or_default()))
                            .collect(),
                    ));
                }
            }
            Some(_) => {}
        }
        if let Ok(s) = serde_json::from_slice::<Option<String>>(content) {
            return Some(ResultValue::String(s.unwrap_or_default()));
        }
        String::from_utf8(content.to_vec())
            .ok()
            .map(ResultValue::String)
    }

    fn kind(&self) -> &'static str {
        match self {
            ResultValue::String(_) => "a string",
            ResultValue::Array(_) => "an array",
            ResultValue::Object(_) => "an object",
        }
    }
}

/// What part of a result a reference asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// No selector: the result must be a string.
    Whole,
    /// `[i]`: one element of an array.
    Index(usize),
    /// `[*]`: every element of an array, as separate arguments.
    Star,
    /// `.key`: one field of an object.
    Key(String),
}

/// A parsed `$(steps.<step>.results.<name>...)` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The reference as written, `$(` and `)` included (used in errors).
    pub text: String,
    /// The step's name (without the `step-` container prefix).
    pub step: String,
    /// The result's name.
    pub result: String,
    /// The part of the result asked for.
    pub selector: Selector,
}

impl Reference {
    /// Parses one reference written as `$(steps.<step>.results.<name>[sel])`.
    ///
    /// Like upstream, the inside is split on `.`: four parts are
    /// `steps.<step>.results.<name>` with an optional `[<digits>]` or `[*]`
    /// ending the name, five parts are `steps.<step>.results.<name>.<key>`.
    /// Names may use ASCII letters, digits, `-` and `_`. A reference with `/`,
    /// `..` or NUL anywhere inside is [`SubstituteError::UnsafeName`] (it could
    /// name a file outside the results directory); anything else that does not
    /// fit is [`SubstituteError::Malformed`].
    pub fn parse(text: &str) -> Result<Reference, SubstituteError> {
        let malformed = |reason: &str| SubstituteError::Malformed {
            reference: text.to_owned(),
            reason: reason.to_owned(),
        };
        let inner = text
            .strip_prefix("$(")
            .and_then(|t| t.strip_suffix(')'))
            .ok_or_else(|| malformed("a reference is written `$(...)`"))?;
        if inner.contains('/') || inner.contains("..") || inner.contains('\0') {
            return Err(SubstituteError::UnsafeName {
                reference: text.to_owned(),
            });
        }
        let parts: Vec<&str> = inner.split('.').collect();
        if parts.len() < 4 || parts.len() > 5 || parts[0] != "steps" || parts[2] != "results" {
            return Err(malformed(
                "must be `steps.<stepName>.results.<resultName>` or `steps.<stepName>.results.<objectResultName>.<key>`",
            ));
        }
        let step = check_name(text, parts[1], "step name")?;
        let (result, selector) = if parts.len() == 5 {
            let key = parts[4];
            if key.is_empty() || key.contains('\0') {
                return Err(malformed("the object key is empty or contains NUL"));
            }
            if parts[3].contains('[') {
                return Err(malformed("an index and an object key cannot be combined"));
            }
            (
                check_name(text, parts[3], "result name")?,
                Selector::Key(key.to_owned()),
            )
        } else {
            split_index(text, parts[3])?
        };
        Ok(Reference {
            text: text.to_owned(),
            step,
            result,
            selector,
        })
    }

    /// The file this reference reads: `<steps_dir>/step-<step>/results/<result>`.
    pub fn path(&self, steps_dir: &Path) -> PathBuf {
        steps_dir
            .join(format!("step-{}", self.step))
            .join("results")
            .join(&self.result)
    }

    /// Reads and types the referenced result file (see [`ResultValue::parse`]).
    pub fn load(&self, steps_dir: &Path) -> Result<ResultValue, SubstituteError> {
        let path = self.path(steps_dir);
        let content = std::fs::read(&path).map_err(|source| SubstituteError::Read {
            reference: self.text.clone(),
            path: path.clone(),
            source,
        })?;
        ResultValue::parse(&content).ok_or(SubstituteError::NotUtf8 {
            reference: self.text.clone(),
            path,
        })
    }

    /// Resolves the reference to a list of values: one for a string, an array
    /// element or an object field, the whole array for `[*]`.
    pub fn resolve(&self, steps_dir: &Path) -> Result<Vec<String>, SubstituteError> {
        let value = self.load(steps_dir)?;
        let wrong = |expected, value: &ResultValue| SubstituteError::WrongType {
            reference: self.text.clone(),
            expected,
            found: value.kind(),
        };
        match (&self.selector, value) {
            (Selector::Whole, ResultValue::String(s)) => Ok(vec![s]),
            (Selector::Whole, v) => Err(wrong(
                "a reference without `[i]`, `[*]` or `.key` needs a string result",
                &v,
            )),
            (Selector::Index(i), ResultValue::Array(items)) => {
                let len = items.len();
                items
                    .into_iter()
                    .nth(*i)
                    .map(|s| vec![s])
                    .ok_or(SubstituteError::IndexOutOfRange {
                        reference: self.text.clone(),
                        index: *i,
                        len,
                    })
            }
            (Selector::Index(_), v) => Err(wrong("`[i]` needs an array result", &v)),
            (Selector::Star, ResultValue::Array(items)) => Ok(items),
            (Selector::Star, v) => Err(wrong("`[*]` needs an array result", &v)),
            (Selector::Key(key), ResultValue::Object(mut map)) => map
                .remove(key)
                .map(|s| vec![s])
                .ok_or_else(|| SubstituteError::MissingKey {
                    reference: self.text.clone(),
                    key: key.clone(),
                }),
            (Selector::Key(_), v) => Err(wrong("`.key` needs an object result", &v)),
        }
    }
}

fn check_name(reference: &str, name: &str, what: &str) -> Result<String, SubstituteError> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(SubstituteError::Malformed {
            reference: reference.to_owned(),
            reason: format!("{what} `{name}` must be non-empty ASCII letters, digits, `-` or `_`"),
        });
    }
    Ok(name.to_owned())
}

fn split_index(reference: &str, part: &str) -> Result<(String, Selector), SubstituteError> {
    let Some(open) = part.find('[') else {
        return Ok((check_name(reference, part, "result name")?, Selector::Whole));
    };
    let name = check_name(reference, &part[..open], "result name")?;
    let malformed = |reason: &str| SubstituteError::Malformed {
        reference: reference.to_owned(),
        reason: reason.to_owned(),
    };
    let index = part[open + 1..].strip_suffix(']').ok_or_else(|| {
        malformed("an index is written `[<number>]` or `[*]` at the end of the result name")
    })?;
    if index == "*" {
        return Ok((name, Selector::Star));
    }
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(
            "an index is written `[<number>]` or `[*]` at the end of the result name",
        ));
    }
    let i = index
        .parse::<usize>()
        .map_err(|_| malformed("the index is too large"))?;
    Ok((name, Selector::Index(i)))
}

/// Finds the references in `s`, as `(start, end)` byte ranges, in order.
///
/// A reference starts at `$(steps.` and ends at the first `)` after it; a
/// candidate without `.results.` inside (such as another `$(steps...)`
/// variable) or without a closing `)` is not ours and is left alone.
fn find_references(s: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(rel) = s[from..].find(OPEN) {
        let start = from + rel;
        let Some(close_rel) = s[start..].find(')') else {
            break;
        };
        let end = start + close_rel + 1;
        if s[start..end].contains(".results.") {
            found.push((start, end));
            from = end;
        } else {
            from = start + OPEN.len();
        }
    }
    found
}

/// Substitutes every step result reference in one string (an env value, a
/// `when` input or value, a CEL expression, an argument).
///
/// Each reference must resolve to exactly one string: a string result, `[i]`
/// or `.key`. `[*]`, or a bare reference to an array or object result, is an
/// error here. Fails on the first reference that is malformed, unsafe, unreadable
/// or does not fit its result; text around references is kept as it is.
pub fn substitute_str(s: &str, steps_dir: &Path) -> Result<String, SubstituteError> {
    let refs = find_references(s);
    if refs.is_empty() {
        return Ok(s.to_owned());
    }
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for (start, end) in refs {
        let reference = Reference::parse(&s[start..end])?;
        if reference.selector == Selector::Star {
            return Err(SubstituteError::StarNotAlone {
                reference: reference.text,
            });
        }
        out.push_str(&s[last..start]);
        out.push_str(&reference.resolve(steps_dir)?.concat());
        last = end;
    }
    out.push_str(&s[last..]);
    Ok(out)
}

/// Substitutes step result references in the command and its arguments.
///
/// An argument that is exactly one `[*]` reference is replaced by the array's
/// elements, as several arguments (none for an empty array); every other
/// argument goes through [`substitute_str`]. Fails on the first bad reference.
pub fn substitute_args(args: &[String], steps_dir: &Path) -> Result<Vec<String>, SubstituteError> {
    let mut out = Vec::with_capacity(args.len());
    for arg in args {
        if let [(0, end)] = find_references(arg)[..] {
            if end == arg.len() {
                let reference = Reference::parse(arg)?;
                if reference.selector == Selector::Star {
                    out.extend(reference.resolve(steps_dir)?);
                    continue;
                }
            }
        }
        out.push(substitute_str(arg, steps_dir)?);
    }
    Ok(out)
}

#[cfg(test)]
#[path = "substitute_tests.rs"]
mod tests;
