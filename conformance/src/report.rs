//! Reports of a matrix run: the terminal table, JUnit XML and Markdown.

use std::fmt::Write as _;
use std::time::Duration;

use crate::matrix::{Cell, Verdict};

/// `N passed, M failed` over `cells`.
pub fn summary(cells: &[Cell]) -> String {
    let passed = cells.iter().filter(|c| c.passed()).count();
    format!("{passed} passed, {} failed", cells.len() - passed)
}

fn short(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "pass",
        Verdict::Mismatch(_) => "FAIL",
        Verdict::NoSnapshot(_) => "NEW",
        Verdict::Error(_) => "ERROR",
        Verdict::Stale(_) => "STALE",
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// Rows (case names, in first-seen order) and columns (backends).
fn axes(cells: &[Cell]) -> (Vec<&str>, Vec<&str>) {
    let mut cases: Vec<&str> = Vec::new();
    let mut backends: Vec<&str> = Vec::new();
    for cell in cells {
        if !cases.contains(&cell.case.as_str()) {
            cases.push(&cell.case);
        }
        if !backends.contains(&cell.backend.as_str()) {
            backends.push(&cell.backend);
        }
    }
    (cases, backends)
}

fn find<'a>(cells: &'a [Cell], case: &str, backend: &str) -> Option<&'a Cell> {
    cells
        .iter()
        .find(|c| c.case == case && c.backend == backend)
}

/// The scenario x backend table, then every failure's details (naming the
/// backend), then the summary line.
pub fn table(cells: &[Cell]) -> String {
    let (cases, backends) = axes(cells);
    let width = cases.iter().map(|c| c.len()).max().unwrap_or(8).max(8);
    let col = backends.iter().map(|b| b.len()).max().unwrap_or(14).max(14);
    let mut out = format!("{:width$}", "scenario");
    for backend in &backends {
        let _ = write!(out, "  {backend:<col$}");
    }
    out.push('\n');
    for case in &cases {
        let _ = write!(out, "{case:width$}");
        for backend in &backends {
            let text = find(cells, case, backend).map_or_else(
                || "-".to_string(),
                |c| format!("{} {}", short(&c.verdict), secs(c.elapsed)),
            );
            let _ = write!(out, "  {text:<col$}");
        }
        out.push('\n');
    }
    for cell in cells.iter().filter(|c| !c.passed()) {
        let _ = writeln!(
            out,
            "\n--- {} on backend {}: {}",
            cell.case,
            cell.backend,
            details_title(&cell.verdict)
        );
        out.push_str(details(&cell.verdict).trim_end());
        out.push('\n');
    }
    let total: Duration = cells.iter().map(|c| c.elapsed).sum();
    let _ = writeln!(out, "\nrun time summed over cells: {}", secs(total));
    let _ = writeln!(out, "{}", summary(cells));
    out
}

fn details_title(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "passed",
        Verdict::Mismatch(_) => "outcome differs from the snapshot",
        Verdict::NoSnapshot(_) => "no snapshot yet (run `cargo test -p conformance --test catalog` with INSTA_UPDATE=always); outcome",
        Verdict::Error(_) => "the backend failed",
        Verdict::Stale(_) => "a registered deviation no longer appears (remove it from compat/deviations.yaml and docs/compatibility.md)",
    }
}

fn details(verdict: &Verdict) -> &str {
    match verdict {
        Verdict::Pass => "",
        Verdict::Mismatch(text)
        | Verdict::NoSnapshot(text)
        | Verdict::Error(text)
        | Verdict::Stale(text) => text,
    }
}

fn xml_escape(text: &str) -> String {
    text.chars()
        .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
        .fold(String::new(), |mut s, c| {
            match c {
                '&' => s.push_str("&amp;"),
                '<' => s.push_str("&lt;"),
                '>' => s.push_str("&gt;"),
                '"' => s.push_str("&quot;"),
                '\'' => s.push_str("&apos;"),
                c => s.push(c),
            }
            s
        })
}

/// JUnit XML: one `testsuite` per backend, one `testcase` per case.
pub fn junit(cells: &[Cell]) -> String {
    let (_, backends) = axes(cells);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"conformance\">\n",
    );
    for backend in backends {
        let mine: Vec<&Cell> = cells.iter().filter(|c| c.backend == backend).collect();
        let failures = mine
            .iter()
            .filter(|c| matches!(c.verdict, Verdict::Mismatch(_) | Verdict::NoSnapshot(_)))
            .count();
        let errors = mine
            .iter()
            .filter(|c| matches!(c.verdict, Verdict::Error(_)))
            .count();
        let time: f64 = mine.iter().map(|c| c.elapsed.as_secs_f64()).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{backend}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">",
            mine.len()
        );
        for cell in mine {
            let _ = write!(
                out,
                "    <testcase classname=\"conformance.{backend}\" name=\"{}\" time=\"{:.3}\"",
                xml_escape(&cell.case),
                cell.elapsed.as_secs_f64()
            );
            match &cell.verdict {
                Verdict::Pass => out.push_str("/>\n"),
                other => {
                    let tag = if matches!(other, Verdict::Error(_)) {
                        "error"
                    } else {
                        "failure"
                    };
                    let _ = writeln!(
                        out,
                        ">\n      <{tag} message=\"{}\">{}</{tag}>\n    </testcase>",
                        xml_escape(details_title(other)),
                        xml_escape(details(other))
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// A Markdown table of the matrix with the summary line.
pub fn markdown(cells: &[Cell]) -> String {
    let (cases, backends) = axes(cells);
    let mut out = String::from("| scenario |");
    for backend in &backends {
        let _ = write!(out, " {backend} |");
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(backends.len()));
    out.push('\n');
    for case in &cases {
        let _ = write!(out, "| {case} |");
        for backend in &backends {
            let text = find(cells, case, backend).map_or_else(
                || "-".to_string(),
                |c| format!("{} {}", short(&c.verdict), secs(c.elapsed)),
            );
            let _ = write!(out, " {text} |");
        }
        out.push('\n');
    }
    for backend in &backends {
        let total: Duration = cells
            .iter()
            .filter(|c| c.backend == *backend)
            .map(|c| c.elapsed)
            .sum();
        let _ = writeln!(
            out,
            "\n{backend}: run time summed over scenarios {}",
            secs(total)
        );
    }
    let _ = writeln!(out, "\n{}", summary(cells));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(case: &str, backend: &str, verdict: Verdict) -> Cell {
        Cell {
            case: case.to_string(),
            backend: backend.to_string(),
            verdict,
            elapsed: Duration::from_millis(1500),
            outcome: None,
        }
    }

    #[test]
    fn table_lists_failures_with_backend_and_summary() {
        let cells = vec![
            cell("a", "sim", Verdict::Pass),
            cell("a", "podman", Verdict::Mismatch("-x\n+y".to_string())),
        ];
        let t = table(&cells);
        assert!(t.contains("pass 1.5s") && t.contains("FAIL 1.5s"), "{t}");
        assert!(t.contains("--- a on backend podman"), "{t}");
        assert!(
            t.trim_end()
                .lines()
                .last()
                .unwrap()
                .starts_with("1 passed, 1 failed"),
            "{t}"
        );
    }

    #[test]
    fn junit_escapes_and_counts() {
        let cells = vec![cell(
            "a<b",
            "sim",
            Verdict::Error("boom & bust".to_string()),
        )];
        let x = junit(&cells);
        assert!(
            x.contains("name=\"a&lt;b\"")
                && x.contains("boom &amp; bust")
                && x.contains("errors=\"1\""),
            "{x}"
        );
    }
}
