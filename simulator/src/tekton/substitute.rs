//! Tekton's controller-side variable substitution: `$(params.*)`,
//! `$(context.*)`, `$(workspaces.*)`, `$(results.*.path)` and the like,
//! replaced before the Pod exists. Variables this layer does not know are
//! left as they are (the entrypoint resolves `$(steps.*.results.*)` itself).

use std::collections::BTreeMap;

use super::model::{ParamValue, When};

/// Values of the variables one TaskRun sees, by name without `$(` `)`
/// (`params.x`, `context.taskRun.name`, `workspaces.w.path`...).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vars(pub BTreeMap<String, ParamValue>);

impl Vars {
    /// Sets a string variable.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.insert(name.into(), ParamValue::String(value.into()));
    }

    /// Sets a parameter under `params.<name>` (and `params['<name>']`).
    pub fn param(&mut self, name: &str, value: ParamValue) {
        self.0.insert(format!("params.{name}"), value.clone());
        self.0.insert(format!("params['{name}']"), value.clone());
        self.0.insert(format!("params[\"{name}\"]"), value);
    }

    /// The value `var` names, as a string: a string variable, an array
    /// element (`x[2]`), an object key (`x.key`), or a whole array or
    /// object as JSON (what upstream does for results; for params it is an
    /// error upstream refuses at validation). `None` for unknown names.
    pub fn lookup(&self, var: &str) -> Option<String> {
        if let Some(value) = self.0.get(var) {
            return Some(match value {
                ParamValue::String(s) => s.clone(),
                other => serde_json::to_string(other).unwrap_or_default(),
            });
        }
        if let Some((base, rest)) = var.rsplit_once('[') {
            let index = rest.strip_suffix(']')?;
            if index == "*" {
                return None;
            }
            let index: usize = index.parse().ok()?;
            if let Some(ParamValue::Array(items)) = self.0.get(base) {
                return items.get(index).cloned();
            }
            return None;
        }
        let (base, key) = var.rsplit_once('.')?;
        match self.0.get(base) {
            Some(ParamValue::Object(map)) => map.get(key).cloned(),
            _ => None,
        }
    }

    /// Replaces every known `$(var)` in `text`; unknown ones stay.
    pub fn apply(&self, text: &str) -> String {
        crate::script::replace_references(text, |var| self.lookup(var))
    }

    /// `when` with its input, values and CEL substituted (the operator is
    /// kept): the one substitution of pipeline-task and step `when`s.
    pub fn apply_when(&self, when: &When) -> When {
        When {
            input: when.input.as_deref().map(|i| self.apply(i)),
            operator: when.operator.clone(),
            values: self.apply_list(&when.values),
            cel: when.cel.as_deref().map(|c| self.apply(c)),
        }
    }

    /// Substitutes a list (command, args): an element that is exactly
    /// `$(params.x[*])` (or `$(params.x)` of an array) becomes the array's
    /// elements; every other element goes through [`Vars::apply`].
    pub fn apply_list(&self, items: &[String]) -> Vec<String> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let whole = item
                .strip_prefix("$(")
                .and_then(|s| s.strip_suffix(')'))
                .filter(|s| !s.contains("$("));
            let array = whole.and_then(|var| {
                let base = var.strip_suffix("[*]").unwrap_or(var);
                match self.0.get(base) {
                    Some(ParamValue::Array(items)) => Some(items.clone()),
                    _ => None,
                }
            });
            match array {
                Some(items) => out.extend(items),
                None => out.push(self.apply(item)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        let mut v = Vars::default();
        v.param("s", ParamValue::String("hello".into()));
        v.param("a", ParamValue::Array(vec!["x".into(), "y".into()]));
        v.param(
            "o",
            ParamValue::Object(BTreeMap::from([("k".to_string(), "v".to_string())])),
        );
        v.set("context.taskRun.name", "tr");
        v
    }

    #[test]
    fn strings_elements_and_keys() {
        let v = vars();
        assert_eq!(
            v.apply("$(params.s) $(params.a[1]) $(params.o.k) $(params['s']) $(context.taskRun.name) $(steps.x.results.y) $("),
            "hello y v hello tr $(steps.x.results.y) $("
        );
    }

    #[test]
    fn references_inside_shell_command_substitution() {
        let v = vars();
        assert_eq!(
            v.apply("echo $(cat $(params.s)/f) $(echo $(params.a[0]) $(params.o.k)) $(date)"),
            "echo $(cat hello/f) $(echo x v) $(date)"
        );
    }

    #[test]
    fn arrays_splice_into_lists() {
        let v = vars();
        let list = [
            "echo".to_string(),
            "$(params.a[*])".to_string(),
            "$(params.s)".to_string(),
        ];
        assert_eq!(v.apply_list(&list), ["echo", "x", "y", "hello"]);
    }
}
