//! Field-by-field differences between two normalised JSON documents, each
//! named by its path, and the `*` patterns the registry matches them with.
//!
//! Paths read like jq's: `.status.conditions[Succeeded].reason`. A list whose
//! objects all carry a distinct key (`name`, or `type` for conditions) is
//! compared entry by entry under that key (`[KEY]`), so a missing entry is
//! one difference, not a shifted tail; when both sides have the same entries
//! in a different order that is one more difference, at `PATH(order)`.
//! Other lists of objects are compared by index, lists of scalars as wholes.

use std::collections::BTreeSet;

use serde_json::Value;

/// One difference: where, and both values (`None`: absent on that side).
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The JSON path.
    pub path: String,
    /// podsim's value.
    pub podsim: Option<Value>,
    /// Upstream's value.
    pub upstream: Option<Value>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<Value>| v.as_ref().map_or("<absent>".into(), Value::to_string);
        write!(
            f,
            "{}: podsim={} upstream={}",
            self.path,
            show(&self.podsim),
            show(&self.upstream)
        )
    }
}

/// Every difference between `podsim` and `upstream`, in path order.
pub fn diff(podsim: &Value, upstream: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    walk("", Some(podsim), Some(upstream), &mut out);
    out
}

/// The key that names the entries of `items`, when every entry is an
/// object with a distinct string under it.
fn key_of(items: &[Value]) -> Option<&'static str> {
    ["name", "type"].into_iter().find(|key| {
        let names: Option<Vec<&str>> = items.iter().map(|v| v.get(*key)?.as_str()).collect();
        names.is_some_and(|n| n.iter().collect::<BTreeSet<_>>().len() == n.len())
    })
}

fn named<'a>(items: &'a [Value], key: &str) -> Vec<(&'a str, &'a Value)> {
    items
        .iter()
        .filter_map(|v| Some((v.get(key)?.as_str()?, v)))
        .collect()
}

fn lookup<'a>(items: &[(&str, &'a Value)], name: &str) -> Option<&'a Value> {
    items.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

fn walk(path: &str, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<Difference>) {
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                walk(&format!("{path}.{k}"), x.get(k), y.get(k), out);
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) => list(path, x, y, out),
        (a, b) if a != b => out.push(Difference {
            path: path.to_string(),
            podsim: a.cloned(),
            upstream: b.cloned(),
        }),
        _ => {}
    }
}

fn list(path: &str, x: &[Value], y: &[Value], out: &mut Vec<Difference>) {
    let key = key_of(x).filter(|k| key_of(y) == Some(*k) || y.is_empty());
    let key = key.or_else(|| key_of(y).filter(|_| x.is_empty()));
    if let Some(key) = key {
        let (nx, ny) = (named(x, key), named(y, key));
        let order_x: Vec<&str> = nx.iter().map(|(n, _)| *n).collect();
        let order_y: Vec<&str> = ny.iter().map(|(n, _)| *n).collect();
        let common_x: Vec<&str> = order_x
            .iter()
            .copied()
            .filter(|n| order_y.contains(n))
            .collect();
        let common_y: Vec<&str> = order_y
            .iter()
            .copied()
            .filter(|n| order_x.contains(n))
            .collect();
        if common_x != common_y {
            out.push(Difference {
                path: format!("{path}(order)"),
                podsim: Some(Value::from(order_x.clone())),
                upstream: Some(Value::from(order_y.clone())),
            });
        }
        let names: BTreeSet<&str> = order_x.iter().chain(order_y.iter()).copied().collect();
        for n in names {
            walk(&format!("{path}[{n}]"), lookup(&nx, n), lookup(&ny, n), out);
        }
    } else if x.iter().all(|v| !v.is_object()) && y.iter().all(|v| !v.is_object()) {
        if x != y {
            out.push(Difference {
                path: path.to_string(),
                podsim: Some(Value::from(x.to_vec())),
                upstream: Some(Value::from(y.to_vec())),
            });
        }
    } else {
        for i in 0..x.len().max(y.len()) {
            walk(&format!("{path}[{i}]"), x.get(i), y.get(i), out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(a: Value, b: Value) -> Vec<String> {
        diff(&a, &b).into_iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn equal_documents_have_no_difference() {
        let doc = json!({"a": [{"name": "x", "v": 1}], "b": "c"});
        assert!(diff(&doc, &doc).is_empty());
    }

    #[test]
    fn named_entries_are_compared_by_name_not_position() {
        let a = json!({"l": [{"name": "x", "v": 1}, {"name": "y", "v": 2}]});
        let b = json!({"l": [{"name": "y", "v": 2}, {"name": "x", "v": 3}]});
        assert_eq!(
            paths(a, b),
            [
                r#".l(order): podsim=["x","y"] upstream=["y","x"]"#,
                ".l[x].v: podsim=1 upstream=3"
            ]
        );
    }

    #[test]
    fn conditions_are_keyed_by_type_and_missing_entries_are_one_difference() {
        let a = json!({"conditions": [{"type": "Succeeded", "reason": "Failed"}], "s": []});
        let b = json!({"conditions": [{"type": "Succeeded", "reason": "Completed"}],
                       "s": [{"name": "t", "reason": "r"}]});
        assert_eq!(
            paths(a, b),
            [
                r#".conditions[Succeeded].reason: podsim="Failed" upstream="Completed""#,
                r#".s[t]: podsim=<absent> upstream={"name":"t","reason":"r"}"#
            ]
        );
    }

    #[test]
    fn scalar_lists_compare_whole_and_unnamed_objects_by_index() {
        let a = json!({"v": ["a", "b"], "o": [{"x": 1}]});
        let b = json!({"v": ["a"], "o": [{"x": 1}, {"x": 2}]});
        assert_eq!(
            paths(a, b),
            [
                r#".o[1]: podsim=<absent> upstream={"x":2}"#,
                r#".v: podsim=["a","b"] upstream=["a"]"#
            ]
        );
    }
}
