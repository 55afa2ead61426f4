//! `matrix` fan-out of a pipeline task (upstream's `Matrix.FanOut`): the
//! cartesian product of `matrix.params` (array params; the first param
//! varies fastest), then `matrix.include` entries either completing the
//! combinations they match or, when a value matches none, added as their
//! own combination. Every combination is one TaskRun named
//! `<pipelinerun>-<task>-<index>`.

use std::collections::BTreeMap;

use super::substitute_value;
use crate::status::ResultValue;
use crate::tekton::model::{Matrix, Param, ParamValue};
use crate::tekton::substitute::Vars;

/// Upstream's default `max-matrix-combinations-count`.
pub const MAX_COMBINATIONS: usize = 256;

/// The skip reason of a matrixed task with an empty array param.
pub const EMPTY: &str = "Matrix Parameters have an empty array";

/// One combination: param name to string value, sorted by name.
pub type Combination = BTreeMap<String, String>;

/// The combinations of `matrix` with `vars` substituted, or an error naming
/// the param that is not an array or the limit exceeded.
pub fn fan_out(matrix: &Matrix, vars: &Vars) -> Result<Vec<Combination>, String> {
    let mut combos: Vec<Combination> = Vec::new();
    for (i, p) in matrix.params.iter().enumerate() {
        let values = match substitute_value(&p.value, vars) {
            ParamValue::Array(items) => items,
            _ => {
                return Err(format!(
                    "matrix.params {:?}: must be an array of strings",
                    p.name
                ))
            }
        };
        combos = if i == 0 {
            values
                .iter()
                .map(|v| Combination::from([(p.name.clone(), v.clone())]))
                .collect()
        } else {
            values
                .iter()
                .flat_map(|v| {
                    combos.iter().map(move |c| {
                        let mut c = c.clone();
                        c.insert(p.name.clone(), v.clone());
                        c
                    })
                })
                .collect()
        };
    }
    let mut includes = Vec::new();
    for entry in &matrix.include {
        let mut c = Combination::new();
        for p in &entry.params {
            match substitute_value(&p.value, vars) {
                ParamValue::String(s) => {
                    c.insert(p.name.clone(), s);
                }
                _ => {
                    return Err(format!(
                        "matrix.include {:?}: param {:?} must be a string",
                        entry.name.as_deref().unwrap_or(""),
                        p.name
                    ))
                }
            }
        }
        includes.push(c);
    }
    if matrix.params.is_empty() {
        combos = includes;
    } else {
        for c in combos.iter_mut() {
            for inc in &includes {
                let matches = inc.iter().all(|(k, v)| c.get(k).is_none_or(|x| x == v));
                if matches {
                    c.extend(inc.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
        }
        for inc in includes {
            let shares = combos
                .iter()
                .any(|c| inc.iter().any(|(k, v)| c.get(k) == Some(v)));
            if !inc.is_empty() && !shares {
                combos.push(inc);
            }
        }
    }
    if combos.len() > MAX_COMBINATIONS {
        return Err(format!(
            "matrix: {} combinations exceed max-matrix-combinations-count ({MAX_COMBINATIONS})",
            combos.len()
        ));
    }
    Ok(combos)
}

/// The params of one combination's TaskRun: the task's own params, then the
/// combination's (sorted by name).
pub fn params_of(task_params: &[Param], combo: &Combination) -> Vec<Param> {
    let mut params: Vec<Param> = task_params
        .iter()
        .filter(|p| !combo.contains_key(&p.name))
        .cloned()
        .collect();
    params.extend(combo.iter().map(|(k, v)| Param {
        name: k.clone(),
        value: ParamValue::String(v.clone()),
    }));
    params
}

/// The results of a matrixed task: each string result of its combinations
/// aggregated into an array, in combination order.
pub fn aggregate(per_run: &[Vec<ResultValue>]) -> Vec<ResultValue> {
    let mut names: Vec<String> = Vec::new();
    let mut values: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for results in per_run {
        for r in results.iter().filter(|r| r.value.is_string()) {
            if !names.contains(&r.name) {
                names.push(r.name.clone());
            }
            values
                .entry(r.name.clone())
                .or_default()
                .push(r.value.clone());
        }
    }
    names
        .into_iter()
        .map(|name| ResultValue {
            value: serde_json::Value::Array(values.remove(&name).unwrap_or_default()),
            kind: "array".into(),
            name,
        })
        .collect()
}
