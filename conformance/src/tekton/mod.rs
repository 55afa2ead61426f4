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

use serde_json::Value;

use crate::deviations::PathPatterns;
use diff::{diff, Difference};

/// How one case compared.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Differences a registered pattern covers, with the deviation's id.
    pub documented: Vec<(Difference, String)>,
    /// Differences nothing covers.
    pub undocumented: Vec<Difference>,
}

/// Compares the normalised documents of `case` against the registered
/// patterns; every pattern that covers a difference is marked used.
pub fn judge(
    case: &str,
    podsim: &Value,
    upstream: &Value,
    registered: &mut PathPatterns,
) -> Verdict {
    let mut verdict = Verdict::default();
    for difference in diff(podsim, upstream) {
        match registered.covering(case, &difference.path) {
            Some(id) => {
                let id = id.to_string();
                verdict.documented.push((difference, id));
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
        let mut registered = PathPatterns::new(vec![
            (
                "skip-order".to_string(),
                "*:.status.skippedTasks(order)".to_string(),
            ),
            ("unused".to_string(), "x:.nothing".to_string()),
        ]);
        let ours = json!({"status": {"skippedTasks": [{"name": "a"}, {"name": "b"}], "x": 1}});
        let theirs = json!({"status": {"skippedTasks": [{"name": "b"}, {"name": "a"}], "x": 2}});
        let v = judge("c", &ours, &theirs, &mut registered);
        assert_eq!(v.documented.len(), 1);
        assert_eq!(v.documented[0].1, "skip-order");
        assert_eq!(v.undocumented.len(), 1);
        assert_eq!(v.undocumented[0].path, ".status.x");
        assert_eq!(
            registered.used().collect::<Vec<_>>(),
            ["*:.status.skippedTasks(order)"]
        );
    }
}
