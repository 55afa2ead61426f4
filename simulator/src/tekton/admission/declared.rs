//! The params a piece of Tekton YAML may refer to, with their types, as
//! upstream's admission collects them (a spec's own, a run's given ones, a
//! Pipeline's propagated ones).

use std::collections::{BTreeMap, BTreeSet};

use crate::tekton::model::{Param, ParamSpec, ParamValue};
use crate::tekton::variables::{self, names, trim_indexes};

/// Declared params: every name, and which are arrays and objects (with keys).
#[derive(Debug, Clone, Default)]
pub struct Declared {
    all: BTreeSet<String>,
    arrays: BTreeSet<String>,
    objects: BTreeMap<String, BTreeSet<String>>,
}

impl Declared {
    /// The params `specs` declare.
    pub fn of_specs<'a>(specs: impl IntoIterator<Item = &'a ParamSpec>) -> Declared {
        let mut declared = Declared::default();
        declared.add_specs(specs);
        declared
    }

    /// Adds declarations; a later one of a name already known wins its type.
    pub fn add_specs<'a>(&mut self, specs: impl IntoIterator<Item = &'a ParamSpec>) {
        for spec in specs {
            let keys = spec.properties.keys().cloned().collect();
            self.add(&spec.name, spec.kind.as_deref().unwrap_or("string"), keys);
        }
    }

    /// Adds params given with values (a run's, a pipeline task's): each
    /// declares its name with the type of its value.
    pub fn add_given<'a>(&mut self, params: impl IntoIterator<Item = &'a Param>) {
        for param in params {
            let keys = match &param.value {
                ParamValue::Object(map) => map.keys().cloned().collect(),
                _ => BTreeSet::new(),
            };
            self.add(&param.name, param.value.kind(), keys);
        }
    }

    fn add(&mut self, name: &str, kind: &str, keys: BTreeSet<String>) {
        self.all.insert(name.to_string());
        self.arrays.remove(name);
        match kind {
            "array" => {
                self.arrays.insert(name.to_string());
            }
            "object" => self
                .objects
                .entry(name.to_string())
                .or_default()
                .extend(keys),
            _ => {}
        }
    }

    /// Whether `name` is an array param.
    pub fn is_array(&self, name: &str) -> bool {
        self.arrays.contains(name)
    }

    /// Upstream's checks of `text` against these params, every message
    /// found: each `$(params.*)` is declared, names an object's key among
    /// its properties and no object whole; arrays as in
    /// [`Declared::array_use`].
    pub fn check(&self, text: &str, in_list: bool) -> Vec<String> {
        let mut found = Vec::new();
        found.extend(unknown(text, "params", &self.all));
        for (object, keys) in &self.objects {
            found.extend(unknown(text, &format!("params.{object}"), keys));
        }
        let whole = variables::all(text, "params").iter().any(|r| {
            let name = r.name.strip_suffix("[*]").unwrap_or(r.name);
            self.objects.contains_key(name)
        });
        if whole {
            found.push(format!("variable type invalid in {text:?}"));
        }
        found.extend(self.array_use(text, in_list));
        found
    }

    /// Upstream's rule for array params: never whole in a string; in a list
    /// element (`command`, `args`, an array value) only as the whole element.
    pub fn array_use(&self, text: &str, in_list: bool) -> Option<String> {
        let found = names(text, "params").ok()?;
        let is_array = |n: &String| self.arrays.contains(n.strip_suffix("[*]").unwrap_or(n));
        if !found.iter().any(is_array) {
            return None;
        }
        if !in_list {
            return Some(format!("variable type invalid in {text:?}"));
        }
        let first = variables::all(text, "params").first().map(|r| r.text.len());
        (first != Some(text.len()))
            .then(|| format!("variable is not properly isolated in {text:?}"))
    }

    /// Whether `text` is exactly one `$(params.NAME[*])`: a whole array or
    /// object handed on, of which upstream only checks that it exists.
    pub fn is_handed_on_whole(text: &str) -> bool {
        variables::all(text, "params")
            .first()
            .is_some_and(|r| r.text == text && r.name.ends_with("[*]"))
    }

    /// The declared names.
    pub fn names(&self) -> &BTreeSet<String> {
        &self.all
    }
}

/// Upstream's check of one string for references under `prefix` to names
/// outside `known`: its message when one is found.
pub fn unknown<S: Ord + std::borrow::Borrow<str>>(
    text: &str,
    prefix: &str,
    known: &BTreeSet<S>,
) -> Option<String> {
    match names(text, prefix) {
        Err(message) => Some(message),
        Ok(found) => found
            .iter()
            .any(|n| !known.contains(trim_indexes(n).as_str()))
            .then(|| format!("non-existent variable in {text:?}")),
    }
}
