//! `matrix` fan-out of a pipeline task (upstream's `Matrix.FanOut`): the
//! cartesian product of `matrix.params` (array params; the first param
//! varies fastest), then `matrix.include` entries either completing the
//! combinations they match or, when a value matches none, added as their
//! own combination.
//!
//! Upstream's controller creates as many TaskRuns as its
//! `Matrix.CountCombinations` says, named `<pipelinerun>-<task>-<index>`,
//! and gives the i-th the i-th combination. The count adds one for every
//! include param whose value the matrix lacks (until a param the matrix
//! has), not one per new combination: an include entry with two new values
//! makes one TaskRun too many, which gets no matrix params (and so fails
//! its validation if the Task needs them). [`task_runs`] does the same, and
//! [`miscounted`] says so before anything runs.

use std::collections::BTreeMap;

use super::substitute_value;
use crate::status::ResultValue;
use crate::tekton::model::{Matrix, MatrixInclude, Param, ParamValue};
use crate::tekton::substitute::Vars;

/// Upstream's default `max-matrix-combinations-count`.
pub const MAX_COMBINATIONS: usize = 256;

/// The skip reason of a matrixed task with an empty array param.
pub const EMPTY: &str = "Matrix Parameters have an empty array";

/// One combination: param name to string value, sorted by name.
pub type Combination = BTreeMap<String, String>;

/// The params of each TaskRun upstream's controller creates for `matrix`
/// with `vars` substituted: [`fan_out`]'s combinations, cut or padded with
/// empty ones to [`count`].
pub fn task_runs(matrix: &Matrix, vars: &Vars) -> Result<Vec<Combination>, String> {
    let mut combos = fan_out(matrix, vars)?;
    combos.resize(count(matrix, vars), Combination::new());
    Ok(combos)
}

/// Whether a matrix param is an empty array (upstream skips the task).
pub fn has_empty_array(matrix: &Matrix, vars: &Vars) -> bool {
    matrix
        .params
        .iter()
        .any(|p| matches!(substitute_value(&p.value, vars), ParamValue::Array(a) if a.is_empty()))
}

/// Upstream's `Matrix.CountCombinations`: the product of the params' array
/// lengths (empty arrays left out), plus, for each include entry, one per
/// param whose value the matrix param of that name lacks, until one it has
/// (every entry when there are no params).
pub fn count(matrix: &Matrix, vars: &Vars) -> usize {
    let arrays: Vec<(&str, Vec<String>)> = matrix
        .params
        .iter()
        .map(|p| match substitute_value(&p.value, vars) {
            ParamValue::Array(a) => (p.name.as_str(), a),
            _ => (p.name.as_str(), Vec::new()),
        })
        .collect();
    if arrays.is_empty() {
        return matrix.include.len();
    }
    let product: usize = arrays
        .iter()
        .filter(|(_, a)| !a.is_empty())
        .map(|(_, a)| a.len())
        .product();
    product
        + matrix
            .include
            .iter()
            .map(|e| new_values(e, &arrays, vars))
            .sum::<usize>()
}

/// What upstream's count adds for one include entry.
fn new_values(entry: &MatrixInclude, arrays: &[(&str, Vec<String>)], vars: &Vars) -> usize {
    let mut added = 0;
    for p in &entry.params {
        let Some((_, values)) = arrays.iter().find(|(name, _)| *name == p.name) else {
            continue;
        };
        let value = match substitute_value(&p.value, vars) {
            ParamValue::String(s) => s,
            _ => String::new(),
        };
        if values.contains(&value) {
            break;
        }
        added += 1;
    }
    added
}

/// A warning when upstream's controller would make more TaskRuns than
/// `matrix` has combinations (see the module documentation).
pub fn miscounted(matrix: &Matrix, vars: &Vars) -> Option<String> {
    let combos = fan_out(matrix, vars).ok()?.len();
    let runs = count(matrix, vars);
    (runs > combos && !has_empty_array(matrix, vars)).then(|| {
        format!(
            "{combos} matrix combinations, but upstream's controller creates {runs} TaskRuns \
             (its count adds one per include value the matrix lacks, not one per new \
             combination); the last {} get no matrix params, in podsim as upstream",
            runs - combos
        )
    })
}

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
