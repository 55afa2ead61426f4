//! Bad input: each malformed flag value and command line.

use super::sh;
use crate::compat::case::Case;

pub(super) fn cases() -> Vec<Case> {
    vec![
        sh("unknown-flag", &["-no_such_flag", "x"], "echo no"),
        sh("bad-timeout-syntax", &["-timeout", "soon"], "echo no"),
        sh("negative-timeout", &["-timeout", "-1s"], "echo no"),
        sh("bad-on-error", &["-on_error", "sometimes"], "exit 1"),
        sh(
            "bad-on-error-success",
            &["-on_error", "sometimes"],
            "echo yes",
        ),
        sh("bad-result-from", &["-result_from", "nowhere"], "echo no"),
        sh("bad-when-json", &["-when_expressions", "[{"], "echo no"),
        sh(
            "bad-when-operator",
            &[
                "-when_expressions",
                r#"[{"input":"a","operator":"is","values":["a"]}]"#,
            ],
            "echo x",
        ),
        sh(
            "bad-when-cel",
            &["-when_expressions", r#"[{"cel":"1 +"}]"#],
            "echo x",
        ),
        sh("bad-bool-value", &["-wait_file_content=maybe"], "echo no"),
        sh("flag-missing-value", &[], "echo x").with_trailing("-timeout"),
        sh("results-bad-name", &["-results", "../escape"], "true")
            .tekton()
            .dir("tekton/results"),
        sh(
            "step-result-bad-reference",
            &[],
            "echo '$(steps.a.results.missing)'",
        )
        .tekton()
        .dir("tekton/steps/step-a/results"),
        sh(
            "compress-flag",
            &["-compress_termination_message"],
            "echo c",
        ),
        Case::new("help-flag", &["-help"]),
        Case::new("no-arguments", &[]),
        Case::new("unknown-subcommand-word", &["frobnicate"]),
        sh("unwritable-post-file", &[], "true").with_post("/proc/nope/out"),
        sh("termination-path-unwritable", &[], "true").with_termination("/proc/nope/termination"),
    ]
}

/// Small edits to the standard step line for bad-input cases.
trait Edit {
    fn with_trailing(self, arg: &str) -> Case;
    fn with_post(self, path: &str) -> Case;
    fn with_termination(self, path: &str) -> Case;
}

impl Edit for Case {
    /// Puts `arg` last, after the command: a flag left without its value.
    fn with_trailing(mut self, arg: &str) -> Case {
        let end = self
            .args
            .iter()
            .position(|a| a == "-entrypoint")
            .unwrap_or(self.args.len());
        self.args.truncate(end);
        self.args.push(arg.to_string());
        self
    }
    fn with_post(mut self, path: &str) -> Case {
        self.args[1] = path.to_string();
        self
    }
    fn with_termination(mut self, path: &str) -> Case {
        self.args[3] = path.to_string();
        self
    }
}
