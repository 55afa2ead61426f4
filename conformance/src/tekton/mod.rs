//! `conformance tekton`: podsim's Tekton layer against upstream Tekton's own
//! controller, status by status.
//!
//! Each case of the [`corpus`] (real `tekton.dev/v1` YAML) runs twice: on a
//! cluster where upstream's `cmd/controller` reconciles it ([`cluster`],
//! scripts/tekton-cluster sets that up), and through `podsim run -o json`
//! ([`podsim`]). Both statuses (the run's and each child TaskRun's) are
//! [`normalise`]d the same way and compared field by field ([`diff`]). A
//! difference passes only when a `controller` pattern (`CASE:PATH`) of
//! compat/deviations.yaml covers it; a pattern no difference matches any
//! more is stale. Everything else is an undocumented difference and fails.

pub mod cli;
#[cfg(feature = "kind")]
pub mod cluster;
pub mod corpus;
pub mod diff;
pub mod normalise;
pub mod podsim;

use std::collections::BTreeSet;

use serde_json::Value;

use diff::{diff, glob, Difference};

/// How one case compared.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Differences a registered pattern covers, with the deviation's id.
    pub documented: Vec<(Difference, String)>,
    /// Differences nothing covers.
    pub undocumented: Vec<Difference>,
}

/// Compares the normalised documents of `case` against the registered
/// `(id, pattern)` list; every pattern that matched is added to `used`.
pub fn judge(
    case: &str,
    podsim: &Value,
    upstream: &Value,
    registered: &[(String, String)],
    used: &mut BTreeSet<String>,
) -> Verdict {
    let mut verdict = Verdict::default();
    for difference in diff(podsim, upstream) {
        let full = format!("{case}:{}", difference.path);
        match registered.iter().find(|(_, p)| glob(p, &full)) {
            Some((id, pattern)) => {
                used.insert(pattern.clone());
                verdict.documented.push((difference, id.clone()));
            }
            None => verdict.undocumented.push(difference),
        }
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn registered_patterns_document_differences_and_are_marked_used() {
        let registered = vec![
            (
                "skip-order".to_string(),
                "*:.status.skippedTasks(order)".to_string(),
            ),
            ("unused".to_string(), "x:.nothing".to_string()),
        ];
        let ours = json!({"status": {"skippedTasks": [{"name": "a"}, {"name": "b"}], "x": 1}});
        let theirs = json!({"status": {"skippedTasks": [{"name": "b"}, {"name": "a"}], "x": 2}});
        let mut used = BTreeSet::new();
        let v = judge("c", &ours, &theirs, &registered, &mut used);
        assert_eq!(v.documented.len(), 1);
        assert_eq!(v.documented[0].1, "skip-order");
        assert_eq!(v.undocumented.len(), 1);
        assert_eq!(v.undocumented[0].path, ".status.x");
        assert_eq!(
            used.into_iter().collect::<Vec<_>>(),
            ["*:.status.skippedTasks(order)"]
        );
    }
}
