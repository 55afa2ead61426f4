//! Variable references as upstream reads them when it checks them
//! (`pkg/substitution`'s pattern): `$(PREFIX.NAME)`, `$(PREFIX["NAME"])`
//! and `$(PREFIX['NAME'])` on one line, NAME running to the first `)` (to
//! the first `"])` or `'])` in the bracket forms). The admission checks,
//! the controller's array-index check and validate's stand-in Tasks read
//! references through it; substitution itself is `script::replace_references`.

/// One reference: the whole `$(…)` text and the NAME inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference<'a> {
    /// `$(params.x[*])`.
    pub text: &'a str,
    /// `x[*]`: after the prefix, brackets and quotes removed.
    pub name: &'a str,
    /// Written with a dot (`params.x`) rather than brackets.
    pub dotted: bool,
}

/// Every reference under `prefix` in `text`, left to right.
pub fn all<'a>(text: &'a str, prefix: &str) -> Vec<Reference<'a>> {
    let opening = format!("$({prefix}");
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(&opening).map(|i| from + i) {
        let rest = &text[at + opening.len()..];
        let (name, dotted, tail) = if let Some(after) = rest.strip_prefix('.') {
            (line_until(after, ")"), true, 1)
        } else if let Some(after) = rest.strip_prefix("[\"") {
            (line_until(after, "\"])"), false, 3)
        } else if let Some(after) = rest.strip_prefix("['") {
            (line_until(after, "'])"), false, 3)
        } else {
            (None, false, 0)
        };
        match name {
            Some(name) => {
                let lead = if dotted { 1 } else { 2 };
                let end = at + opening.len() + lead + name.len() + tail;
                found.push(Reference {
                    text: &text[at..end],
                    name,
                    dotted,
                });
                from = end;
            }
            None => from = at + 1,
        }
    }
    found
}

/// The text of `after` before the first `close`, if that comes before the
/// end of the line (upstream's pattern does not cross newlines).
fn line_until<'a>(after: &'a str, close: &str) -> Option<&'a str> {
    let line = after.split('\n').next().unwrap_or("");
    line.find(close).map(|end| &after[..end])
}

/// The variable names `text` refers to under `prefix`, as upstream's
/// `ExtractVariablesFromString`: the dotted form names its first component
/// (`obj` of `$(params.obj.key)`), brackets the whole name. More than two
/// dotted components is upstream's error, returned as its message.
pub fn names(text: &str, prefix: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for reference in all(text, prefix) {
        let name = if reference.dotted && reference.name.contains('.') {
            if reference.name.split('.').count() > 2 {
                return Err(format!(
                    "Invalid referencing of parameters in \"{text}\"! Only two dot-separated components after the prefix \"{}\" are allowed.",
                    prefix.replace('.', "\\.")
                ));
            }
            reference.name.split('.').next().unwrap_or("")
        } else {
            reference.name
        };
        names.push(name.to_string());
    }
    Ok(names)
}

/// `name` without array indexes (`[0]`, `[*]`), anywhere in it.
pub fn trim_indexes(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let inside = &rest[open + 1..];
        let digits = inside.len()
            - inside
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .len();
        let after = &inside[digits..];
        let after = after.strip_prefix('*').unwrap_or(after);
        match after.strip_prefix(']') {
            Some(tail) => rest = tail,
            None => {
                out.push('[');
                rest = inside;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_and_their_names() {
        let text = "a $(params.x) $(params[\"y.z\"]) $(params['w']) $(params.o.key) $(paramsX.q)";
        let found: Vec<&str> = all(text, "params").iter().map(|r| r.name).collect();
        assert_eq!(found, ["x", "y.z", "w", "o.key"]);
        assert_eq!(names(text, "params").unwrap(), ["x", "y.z", "w", "o"]);
    }

    #[test]
    fn prefixes_end_at_a_dot_or_a_bracket() {
        let text = "$(context.taskRun.name) $(context.task.name)";
        let found: Vec<&str> = all(text, "context.task").iter().map(|r| r.name).collect();
        assert_eq!(found, ["name"]);
        assert_eq!(
            all(text, "context.taskRun")[0].text,
            "$(context.taskRun.name)"
        );
    }

    #[test]
    fn references_do_not_cross_lines_and_three_components_are_refused() {
        assert!(all("$(params.x\n)", "params").is_empty());
        let err = names("$(params.a.b.c)", "params").unwrap_err();
        assert!(err.contains("Only two dot-separated components"), "{err}");
    }

    #[test]
    fn indexes_are_trimmed() {
        assert_eq!(trim_indexes("arr[0]"), "arr");
        assert_eq!(trim_indexes("arr[*]"), "arr");
        assert_eq!(trim_indexes("a[x]"), "a[x]");
    }
}
