//! How a step ends: success, failure, skip, timeout, cancel, signals,
//! results, when expressions, breakpoints.

use super::{sh, step};
use crate::compat::case::Case;

const BIG: usize = 5000;

pub(super) fn cases() -> Vec<Case> {
    let big = "x".repeat(BIG);
    vec![
        sh("success", &[], "echo hello"),
        sh("stdout-and-stderr", &[], "echo out; echo err >&2").stderr(),
        sh("exit-1", &[], "exit 1"),
        sh("exit-3", &[], "exit 3"),
        sh("exit-255", &[], "exit 255"),
        sh(
            "on-error-continue-success",
            &["-on_error", "continue"],
            "true",
        ),
        sh(
            "on-error-continue-failure",
            &["-on_error", "continue"],
            "exit 7",
        ),
        sh(
            "on-error-stop-and-fail",
            &["-on_error", "stopAndFail"],
            "exit 7",
        ),
        sh("on-error-empty", &["-on_error", ""], "exit 2"),
        sh("killed-by-signal", &[], "kill -9 $$"),
        sh(
            "killed-by-signal-continue",
            &["-on_error", "continue"],
            "kill -9 $$",
        ),
        sh("terminated-by-sigterm", &[], "kill -TERM $$"),
        step("command-not-found", &[], &["/nonexistent/command"]),
        step(
            "command-not-found-in-path",
            &[],
            &["no-such-command-anywhere"],
        ),
        step("command-not-executable", &[], &["{sb}/script"]).mode(
            "script",
            "#!/bin/sh\necho hi\n",
            0o644,
        ),
        sh("timeout-exceeded", &["-timeout", "200ms"], "sleep 5"),
        sh("timeout-not-reached", &["-timeout", "10s"], "echo fast"),
        sh("timeout-zero", &["-timeout", "0"], "echo none"),
        sh(
            "wait-file-present",
            &["-wait_file", "{sb}/prev"],
            "echo waited",
        )
        .file("prev", ""),
        sh(
            "wait-file-content",
            &["-wait_file", "{sb}/prev", "-wait_file_content"],
            "echo waited",
        )
        .file("prev", "x"),
        sh(
            "wait-files-comma-list",
            &["-wait_file", "{sb}/a,{sb}/b"],
            "echo both",
        )
        .file("a", "")
        .file("b", ""),
        sh(
            "skip-after-err",
            &["-wait_file", "{sb}/prev"],
            "echo must-not-run",
        )
        .file("prev.err", ""),
        sh(
            "skip-after-err-continue",
            &["-wait_file", "{sb}/prev", "-on_error", "continue"],
            "echo no",
        )
        .file("prev.err", ""),
        sh("cancel-file", &[], "sleep 5")
            .tekton()
            .file("tekton/downward/cancel", "true"),
        sh("cancel-file-empty", &[], "echo ran")
            .tekton()
            .file("tekton/downward/cancel", ""),
        sh(
            "results-one",
            &["-results", "foo"],
            "printf bar > /tekton/results/foo",
        )
        .tekton()
        .dir("tekton/results"),
        sh(
            "results-missing-file",
            &["-results", "foo,baz"],
            "printf bar > /tekton/results/foo",
        )
        .tekton()
        .dir("tekton/results"),
        sh(
            "results-on-failure",
            &["-results", "foo"],
            "printf bar > /tekton/results/foo; exit 1",
        )
        .tekton()
        .dir("tekton/results"),
        sh("results-overflow-4096", &["-results", "foo"], "true")
            .tekton()
            .file("tekton/results/foo", &big),
        sh(
            "results-sidecar-logs",
            &["-results", "foo", "-result_from", "sidecar-logs"],
            "true",
        )
        .tekton()
        .file("tekton/results/foo", "bar"),
        sh(
            "step-results",
            &["-step_results", "r"],
            "printf v > {sb}/meta/results/r",
        ),
        sh("step-results-overflow", &["-step_results", "r"], "true").file("meta/results/r", &big),
        sh(
            "step-metadata-exit-code",
            &["-on_error", "continue"],
            "exit 4",
        ),
        sh("step-metadata-success", &[], "true"),
        step(
            "step-result-substitution",
            &[],
            &["echo", "$(steps.a.results.r)"],
        )
        .tekton()
        .file("tekton/steps/step-a/results/r", "value"),
        sh(
            "when-in-true",
            &[
                "-when_expressions",
                r#"[{"input":"a","operator":"in","values":["a"]}]"#,
            ],
            "echo ran",
        ),
        sh(
            "when-in-false",
            &[
                "-when_expressions",
                r#"[{"input":"a","operator":"in","values":["b"]}]"#,
            ],
            "echo ran",
        ),
        sh(
            "when-notin",
            &[
                "-when_expressions",
                r#"[{"input":"a","operator":"notin","values":["a"]}]"#,
            ],
            "echo ran",
        ),
        sh(
            "when-cel-true",
            &["-when_expressions", r#"[{"cel":"'a' == 'a'"}]"#],
            "echo ran",
        ),
        sh(
            "when-cel-false",
            &["-when_expressions", r#"[{"cel":"1 > 2"}]"#],
            "echo ran",
        ),
        sh(
            "when-false-meta",
            &["-when_expressions", r#"[{"cel":"false"}]"#],
            "echo ran",
        ),
        sh(
            "breakpoint-on-failure-released",
            &["-breakpoint_on_failure"],
            "exit 3",
        )
        .file("out.breakpointexit", "0"),
        sh(
            "debug-before-step-fail-err",
            &["-debug_before_step"],
            "echo ran",
        )
        .file("out.beforestepexit.err", "1"),
        sh(
            "debug-before-step-fail-err-code",
            &["-debug_before_step"],
            "echo ran",
        )
        .file("out.beforestepexit.err", "5"),
        sh(
            "breakpoint-on-failure-fail-err",
            &["-breakpoint_on_failure"],
            "exit 3",
        )
        .file("out.breakpointexit.err", "1"),
        sh(
            "breakpoint-on-failure-code",
            &["-breakpoint_on_failure"],
            "exit 3",
        )
        .file("out.breakpointexit", "4"),
        sh(
            "breakpoint-on-failure-success",
            &["-breakpoint_on_failure"],
            "echo fine",
        ),
        sh(
            "debug-before-step-released",
            &["-debug_before_step"],
            "echo ran",
        )
        .file("out.beforestepexit", "0"),
        sh(
            "debug-before-step-fail",
            &["-debug_before_step"],
            "echo ran",
        )
        .file("out.beforestepexit", "1"),
        sh(
            "stdout-path",
            &["-stdout_path", "{sb}/logs/out.log"],
            "echo to-file",
        ),
        sh(
            "stderr-path",
            &["-stderr_path", "{sb}/logs/err.log"],
            "echo to-err >&2",
        )
        .stderr(),
        sh(
            "stdout-stderr-same-file",
            &["-stdout_path", "{sb}/log", "-stderr_path", "{sb}/log"],
            "echo a",
        ),
    ]
}
