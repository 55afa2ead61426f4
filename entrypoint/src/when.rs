//! Step `when` expressions, given to the wrapper as `-when_expressions` JSON.
//!
//! Each expression is either `{"input", "operator": "in"|"notin", "values"}`
//! or `{"cel": "..."}`; the step runs only when every one is true. Step result
//! references (`$(steps.<step>.results.<name>)`) in inputs, values and CEL are
//! substituted first (see [`crate::substitute`]); a value that is exactly a
//! `[*]` reference contributes every element of the array.

use std::path::Path;

use serde::Deserialize;

use crate::substitute::{self, SubstituteError};

/// How an input is compared with the values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// True when the input equals one of the values.
    In,
    /// True when the input equals none of the values.
    NotIn,
}

/// One `when` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhenExpression {
    /// `input` compared with `values` by `operator`.
    Match {
        /// The string tested (may hold step result references).
        input: String,
        /// `in` or `notin`.
        operator: Operator,
        /// The strings compared against; never empty.
        values: Vec<String>,
    },
    /// A CEL expression that must evaluate to a boolean.
    Cel(String),
}

/// Why `when` expressions could not be parsed or evaluated.
#[derive(Debug, thiserror::Error)]
pub enum WhenError {
    /// The flag's value is not a JSON list of expression objects.
    #[error("-when_expressions is not a valid JSON list of when expressions: {0}")]
    Json(String),
    /// An expression object that is not a valid `when` expression.
    #[error("when expression #{index}: {reason}")]
    Invalid {
        /// Position in the list, from 0.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// A step result reference could not be substituted.
    #[error("when expression #{index}: {source}")]
    Substitute {
        /// Position in the list, from 0.
        index: usize,
        /// The substitution failure.
        #[source]
        source: SubstituteError,
    },
    /// The CEL expression does not parse (or is too deeply nested to parse safely).
    #[error(
        "when expression #{index}: CEL expression `{}` does not compile: {message}",
        shorten(expr)
    )]
    CelCompile {
        /// Position in the list, from 0.
        index: usize,
        /// The expression after substitution.
        expr: String,
        /// The parser's first error.
        message: String,
    },
    /// Evaluating the CEL expression failed (unknown name, overflow, bad types...).
    #[error(
        "when expression #{index}: CEL expression `{}` failed to evaluate: {message}",
        shorten(expr)
    )]
    CelEval {
        /// Position in the list, from 0.
        index: usize,
        /// The expression after substitution.
        expr: String,
        /// The evaluator's error.
        message: String,
    },
    /// The CEL expression evaluated to something other than a boolean.
    #[error(
        "when expression #{index}: CEL expression `{}` evaluated to a {found}, not a boolean",
        shorten(expr)
    )]
    CelNotBool {
        /// Position in the list, from 0.
        index: usize,
        /// The expression after substitution.
        expr: String,
        /// The CEL type it evaluated to.
        found: String,
    },
    /// A `cel` expression given to a binary built without the `cel` feature.
    #[error("when expression #{index}: cannot evaluate CEL expression `{}`: entrypoint was built without CEL support", shorten(expr))]
    CelUnsupported {
        /// Position in the list, from 0.
        index: usize,
        /// The expression as given.
        expr: String,
    },
}

/// An expression as shown in an error: at most 120 characters, one line.
fn shorten(expr: &str) -> String {
    const MAX: usize = 120;
    let one_line = expr.replace(['\n', '\r'], " ");
    match one_line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

#[derive(Deserialize)]
struct RawExpression {
    input: Option<String>,
    operator: Option<String>,
    values: Option<Vec<String>>,
    cel: Option<String>,
}

/// Parses the `-when_expressions` flag value.
///
/// Accepts a JSON list of objects with `input`/`operator`/`values` or `cel`
/// (other keys are ignored, as Go's decoder does); an empty or blank string and
/// JSON `null` are an empty list. Each object must be one kind or the other:
/// `cel` together with any of the others, an operator other than `in` or
/// `notin`, or an empty `values` list is [`WhenError::Invalid`] (upstream's
/// admission rules). Not being a JSON list of such objects is [`WhenError::Json`].
pub fn parse(json: &str) -> Result<Vec<WhenExpression>, WhenError> {
    if json.trim().is_empty() {
        return Ok(Vec::new());
    }
    let raw: Option<Vec<RawExpression>> =
        serde_json::from_str(json).map_err(|e| WhenError::Json(e.to_string()))?;
    raw.unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(index, r)| from_raw(index, r))
        .collect()
}

fn from_raw(index: usize, raw: RawExpression) -> Result<WhenExpression, WhenError> {
    let invalid = |reason: String| WhenError::Invalid { index, reason };
    let input = raw.input.unwrap_or_default();
    let operator = raw.operator.unwrap_or_default();
    let values = raw.values.unwrap_or_default();
    let cel = raw.cel.unwrap_or_default();
    if !cel.is_empty() {
        if !input.is_empty() || !operator.is_empty() || !values.is_empty() {
            return Err(invalid(
                "`cel` cannot be combined with `input`, `operator` or `values`".to_owned(),
            ));
        }
        return Ok(WhenExpression::Cel(cel));
    }
    if input.is_empty() && operator.is_empty() && values.is_empty() {
        return Err(invalid(
            "needs `input`, `operator` and `values`, or `cel`".to_owned(),
        ));
    }
    let operator = match operator.as_str() {
        "in" => Operator::In,
        "notin" => Operator::NotIn,
        other => {
            return Err(invalid(format!(
                "operator `{other}` is not recognized; valid operators: in, notin"
            )))
        }
    };
    if values.is_empty() {
        return Err(invalid("expecting a non-empty `values` list".to_owned()));
    }
    Ok(WhenExpression::Match {
        input,
        operator,
        values,
    })
}

/// Decides whether the step runs: true when every expression is true.
///
/// Step result references are substituted first, reading results under
/// `steps_dir` (normally `/tekton/steps`). Every expression is evaluated, in
/// order, before the answer is given, so a broken expression is reported even
/// when an earlier one is false. An empty list is true. Fails with the first
/// substitution error, or for a CEL expression that does not compile, fails
/// to evaluate or is not a boolean (or when built without the `cel` feature).
pub fn evaluate(exprs: &[WhenExpression], steps_dir: &Path) -> Result<bool, WhenError> {
    let mut all = true;
    for (index, expr) in exprs.iter().enumerate() {
        all &= evaluate_one(index, expr, steps_dir)?;
    }
    Ok(all)
}

/// Evaluates one CEL expression (already substituted) with no variables
/// declared, as upstream does for step and pipeline-task `when`; `index` is
/// the expression's position, for the error. Fails when it does not compile,
/// fails to evaluate or is not a boolean, or when built without `cel`.
pub fn evaluate_cel(index: usize, expr: &str) -> Result<bool, WhenError> {
    cel_eval::evaluate(index, expr.to_owned())
}

fn evaluate_one(index: usize, expr: &WhenExpression, steps_dir: &Path) -> Result<bool, WhenError> {
    let subst = |source| WhenError::Substitute { index, source };
    match expr {
        WhenExpression::Match {
            input,
            operator,
            values,
        } => {
            let input = substitute::substitute_str(input, steps_dir).map_err(subst)?;
            let values = substitute::substitute_args(values, steps_dir).map_err(subst)?;
            let found = values.contains(&input);
            Ok(match operator {
                Operator::In => found,
                Operator::NotIn => !found,
            })
        }
        WhenExpression::Cel(source) => {
            let source = substitute::substitute_str(source, steps_dir).map_err(subst)?;
            cel_eval::evaluate(index, source)
        }
    }
}

#[cfg(feature = "cel")]
mod cel_eval {
    //! CEL through the `cel` crate, with no variables declared (as upstream).
    //! Its parser and evaluator recurse per nesting level and per operator, so
    //! expressions are bounded lexically and run on a thread with a big stack:
    //! a hostile expression gets an error, never a stack overflow.

    use super::WhenError;
    use cel::parser::Parser;
    use cel::{Context, Value};

    /// Deepest nesting of `(`, `[`, `{` the parser accepts.
    pub(super) const MAX_NESTING: u16 = 32;
    /// Most operator and punctuation characters outside string literals.
    pub(super) const MAX_OPERATORS: usize = 1000;
    const STACK_BYTES: usize = 64 * 1024 * 1024;

    enum Outcome {
        Bool(bool),
        Compile(String),
        Eval(String),
        NotBool(String),
    }

    pub(super) fn evaluate(index: usize, expr: String) -> Result<bool, WhenError> {
        if let Some(message) = too_complex(&expr) {
            return Err(WhenError::CelCompile {
                index,
                expr,
                message,
            });
        }
        let source = expr.clone();
        let outcome = std::thread::Builder::new()
            .name("cel".to_owned())
            .stack_size(STACK_BYTES)
            .spawn(move || run(&source))
            .map_err(|e| format!("cannot start the CEL evaluator thread: {e}"))
            .and_then(|handle| {
                handle
                    .join()
                    .map_err(|_| "the CEL evaluator crashed".to_owned())
            });
        match outcome {
            Ok(Outcome::Bool(b)) => Ok(b),
            Ok(Outcome::Compile(message)) => Err(WhenError::CelCompile {
                index,
                expr,
                message,
            }),
            Ok(Outcome::Eval(message)) | Err(message) => Err(WhenError::CelEval {
                index,
                expr,
                message,
            }),
            Ok(Outcome::NotBool(found)) => Err(WhenError::CelNotBool { index, expr, found }),
        }
    }

    fn run(source: &str) -> Outcome {
        let parsed = match Parser::new().max_recursion_depth(MAX_NESTING).parse(source) {
            Ok(parsed) => parsed,
            Err(errors) => {
                let text = errors.to_string();
                return Outcome::Compile(text.lines().next().unwrap_or("syntax error").to_owned());
            }
        };
        match Value::resolve(&parsed, &Context::default()) {
            Ok(Value::Bool(b)) => Outcome::Bool(b),
            Ok(other) => Outcome::NotBool(other.type_of().to_string()),
            Err(e) => Outcome::Eval(e.to_string().replace('\n', " ")),
        }
    }

    /// Counts operator characters outside string literals; `None` when within bounds.
    fn too_complex(expr: &str) -> Option<String> {
        let mut operators = 0usize;
        let mut quote: Option<char> = None;
        let mut escaped = false;
        for c in expr.chars() {
            match quote {
                Some(q) => {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == q {
                        quote = None;
                    }
                }
                None if c == '\'' || c == '"' => quote = Some(c),
                None if c.is_ascii_punctuation() => operators += 1,
                None => {}
            }
        }
        (operators > MAX_OPERATORS)
            .then(|| format!("more than {MAX_OPERATORS} operators; the expression is too complex to evaluate safely"))
    }
}

#[cfg(not(feature = "cel"))]
mod cel_eval {
    use super::WhenError;

    pub(super) fn evaluate(index: usize, expr: String) -> Result<bool, WhenError> {
        Err(WhenError::CelUnsupported { index, expr })
    }
}

#[cfg(test)]
#[path = "when_tests.rs"]
mod tests;
