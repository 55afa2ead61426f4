//! Helm charts: `command` keys in every values file (`values.yaml`,
//! `values.<env>.yaml`, ...) and `command:` in `templates/`, when the
//! chart uses a wrapper image. Templates are not rendered: the check reads
//! the text.

use std::path::{Path, PathBuf};

use super::wrapped::{wrapper_evidence, FIX};
use super::{read, Finding, LintError, LintOptions};

fn files(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path, keep));
        } else if keep(&path) {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The image-like values (`image:`, `repository:`) in `text`.
fn images(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim().trim_start_matches("- ");
            let value = line
                .strip_prefix("image:")
                .or_else(|| line.strip_prefix("repository:"))?;
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
            (!value.is_empty()).then(|| value.to_string())
        })
        .collect()
}

/// Findings for the chart in `chart`.
pub fn check(chart: &Path, options: &LintOptions) -> Result<Vec<Finding>, LintError> {
    let values = files(chart, &|p| {
        p.parent() == Some(chart)
            && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with("values") && (n.ends_with(".yaml") || n.ends_with(".yml"))
            })
    });
    let templates = files(&chart.join("templates"), &|_| true);
    let texts: Vec<(PathBuf, String)> = values
        .iter()
        .chain(&templates)
        .map(|p| read(p).map(|t| (p.clone(), t)))
        .collect::<Result<_, _>>()?;
    let wrapper = texts.iter().flat_map(|(_, t)| images(t)).find_map(|image| {
        wrapper_evidence(&image, &options.wrapper_images, &options.images)
            .map(|evidence| (image, evidence))
    });
    let Some((image, evidence)) = wrapper else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (path, text) in &texts {
        let in_values = values.contains(path);
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim_start().trim_start_matches("- ");
            if !trimmed.starts_with("command:") {
                continue;
            }
            let column = line.len() - line.trim_start().len() + 1;
            let place = if in_values { "values file" } else { "template" };
            out.push(Finding {
                path: path.display().to_string(),
                line: i + 1,
                column,
                rule: "helm-command-overrides-wrapper",
                message: format!(
                    "this {place} sets a command in a chart that uses wrapper image {image} ({evidence}): a command replaces the wrapper's ENTRYPOINT"
                ),
                fix: FIX.to_string(),
            });
        }
    }
    Ok(out)
}
