//! Properties of the pipeline DAG: every order it allows respects every
//! edge, every task eventually becomes ready, and cycles are refused.

use std::collections::BTreeSet;

use proptest::prelude::*;
use simulator::tekton::model::{Param, ParamValue, PipelineTask};
use simulator::tekton::pipeline::dag;

/// Tasks `t0..tn`, each depending on some earlier ones, half through
/// `runAfter` and half through result references.
fn tasks(edges: &[Vec<bool>]) -> Vec<PipelineTask> {
    edges
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut task = PipelineTask {
                name: format!("t{i}"),
                ..PipelineTask::default()
            };
            for (j, on) in row.iter().enumerate().take(i) {
                if !on {
                    continue;
                }
                if j % 2 == 0 {
                    task.run_after.push(format!("t{j}"));
                } else {
                    task.params.push(Param {
                        name: format!("p{j}"),
                        value: ParamValue::String(format!("$(tasks.t{j}.results.r)")),
                    });
                }
            }
            task
        })
        .collect()
}

fn matrix() -> impl Strategy<Value = Vec<Vec<bool>>> {
    (1usize..12).prop_flat_map(|n| {
        proptest::collection::vec(proptest::collection::vec(any::<bool>(), n), n)
    })
}

proptest! {
    /// Finishing ready tasks in any order the DAG offers never finishes a
    /// task before one it depends on, and finishes them all.
    #[test]
    fn every_allowed_order_respects_the_edges(edges in matrix(), picks in proptest::collection::vec(any::<usize>(), 64)) {
        let tasks = tasks(&edges);
        let dag = dag::build(&tasks).expect("acyclic by construction");
        let mut started = BTreeSet::new();
        let mut finished = BTreeSet::new();
        let mut order = Vec::new();
        let mut k = 0;
        while finished.len() < tasks.len() {
            let ready = dag.ready(&started, &finished);
            prop_assert!(!ready.is_empty(), "stuck with {:?} finished", finished);
            let pick = ready[picks[k % picks.len()] % ready.len()];
            k += 1;
            for dep in &dag.deps[pick] {
                prop_assert!(finished.contains(dep), "t{pick} ready before t{dep}");
            }
            started.insert(pick);
            finished.insert(pick);
            order.push(pick);
        }
        for (i, row) in edges.iter().enumerate() {
            for (j, on) in row.iter().enumerate().take(i) {
                if *on {
                    let (pi, pj) = (order.iter().position(|x| *x == i), order.iter().position(|x| *x == j));
                    prop_assert!(pj < pi, "t{j} must come before t{i}");
                }
            }
        }
    }

    /// Closing any path into a cycle is refused.
    #[test]
    fn cycles_are_refused(n in 2usize..8) {
        let mut tasks = tasks(&vec![vec![true; n]; n]);
        tasks[0].run_after.push(format!("t{}", n - 1));
        prop_assert!(dag::build(&tasks).is_err());
    }
}
