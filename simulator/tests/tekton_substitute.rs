//! Properties of Tekton's variable substitution.

use proptest::prelude::*;
use simulator::tekton::model::ParamValue;
use simulator::tekton::substitute::Vars;

proptest! {
    /// Text without `$(` is never changed.
    #[test]
    fn text_without_variables_is_unchanged(text in "[^$]*") {
        let mut vars = Vars::default();
        vars.param("x", ParamValue::String("v".into()));
        prop_assert_eq!(vars.apply(&text), text);
    }

    /// A string param's value appears in place of each of its references,
    /// and the text around them is kept.
    #[test]
    fn string_params_replace_every_reference(
        value in "[a-z0-9 ]{0,12}",
        parts in proptest::collection::vec("[a-z ]{0,6}", 1..5),
    ) {
        let mut vars = Vars::default();
        vars.param("p", ParamValue::String(value.clone()));
        let text = parts.join("$(params.p)");
        prop_assert_eq!(vars.apply(&text), parts.join(&value));
    }

    /// `$(params.a[*])` as a whole list element splices the array in order;
    /// `$(params.a[i])` is element i.
    #[test]
    fn arrays_splice_and_index(items in proptest::collection::vec("[a-z]{1,5}", 1..6)) {
        let mut vars = Vars::default();
        vars.param("a", ParamValue::Array(items.clone()));
        let list = vec!["cmd".to_string(), "$(params.a[*])".to_string()];
        let mut expected = vec!["cmd".to_string()];
        expected.extend(items.iter().cloned());
        prop_assert_eq!(vars.apply_list(&list), expected);
        let last = items.len() - 1;
        prop_assert_eq!(vars.apply(&format!("$(params.a[{last}])")), items[last].clone());
    }

    /// Unknown variables are left for the entrypoint.
    #[test]
    fn unknown_variables_stay(name in "[a-z]{1,8}") {
        let vars = Vars::default();
        let text = format!("$(steps.{name}.results.r)");
        prop_assert_eq!(vars.apply(&text), text);
    }
}
