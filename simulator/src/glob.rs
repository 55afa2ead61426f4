//! Shell-style wildcards without character classes: the one matcher behind
//! `podsim lint --wrapper-image` and the `CASE:PATH` patterns of the
//! deviation registry (compat/deviations.yaml).

/// Whether all of `text` matches `pattern`: `*` matches any run of
/// characters (also none), `?` exactly one character, and every other
/// character itself. There are no classes or escapes: `[`, `]` and `\` are
/// literal, so a pattern may name a JSON path such as
/// `*:.spec.containers[step-a].args`. Never fails; it runs in
/// O(pattern × text) at worst.
pub fn matches(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // The last `*` seen and the text position it is matched up to; on a
    // mismatch it takes one more character and matching resumes after it.
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_match_runs_of_characters() {
        assert!(matches("*:.status.x", "conformance/tekton/a:.status.x"));
        assert!(!matches("*:.status.x", "a:.status.y"));
        assert!(matches("a*b*c", "abc"));
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(!matches("a*b*c", "axxbyy"));
        assert!(matches("*", ""));
        assert!(matches("**", "x"));
        assert!(!matches("", "x"));
    }

    #[test]
    fn question_marks_match_one_character() {
        assert!(matches("registry/?/img", "registry/a/img"));
        assert!(!matches("registry/?/img", "registry//img"));
        assert!(matches("é?", "éü"));
    }

    #[test]
    fn brackets_are_literal() {
        assert!(matches(
            "*:.spec.containers[step-a].args",
            "case:.spec.containers[step-a].args"
        ));
        assert!(!matches(
            "*:.spec.containers[step-a].args",
            "case:.spec.containers[a].args"
        ));
        assert!(matches("*[0]", "x[0]"));
        assert!(!matches("*[0]", "x0"));
    }
}
