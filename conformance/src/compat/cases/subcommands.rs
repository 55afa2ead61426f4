//! Subcommands, defaults, Go flag spellings and the platform command map.

use super::sh;
use crate::compat::case::Case;

pub(super) fn cases() -> Vec<Case> {
    let sh_cmds = r#"{"linux/amd64":["sh","-c","echo platform"]}"#;
    vec![
        Case::new("cp", &["cp", "{sb}/src", "{sb}/dst"]).file("src", "binary"),
        Case::new("cp-missing-source", &["cp", "{sb}/nope", "{sb}/dst"]),
        Case::new("cp-one-argument", &["cp", "{sb}/src"]).file("src", "binary"),
        Case::new("cp-into-missing-dir", &["cp", "{sb}/src", "{sb}/no/dst"]).file("src", "binary"),
        Case::new(
            "init",
            &["init", "{sb}/src", "{sb}/dst", "step-one", "step-two"],
        )
        .tekton()
        .file("src", "b")
        .dir("tekton/steps"),
        Case::new("step-init", &["step-init", "step-one", "step-two"])
            .tekton()
            .dir("tekton/steps"),
        Case::new("step-init-none", &["step-init"])
            .tekton()
            .dir("tekton/steps"),
        Case::new("decode-script", &["decode-script", "{sb}/script"]).mode(
            "script",
            "ZWNobyBoaQo=",
            0o755,
        ),
        Case::new(
            "decode-script-line-breaks",
            &["decode-script", "{sb}/script"],
        )
        .mode("script", "ZWNo\nbyBo\naQo=\n", 0o700),
        Case::new(
            "decode-script-not-base64",
            &["decode-script", "{sb}/script"],
        )
        .file("script", "not base64!"),
        Case::new("decode-script-missing", &["decode-script", "{sb}/nope"]),
        Case::new(
            "no-post-file",
            &[
                "-termination_path",
                "{sb}/termination",
                "-entrypoint",
                "echo",
                "--",
                "alone",
            ],
        ),
        Case::new(
            "default-termination-path",
            &["-post_file", "{sb}/out", "-entrypoint", "true"],
        )
        .tekton(),
        Case::new(
            "platform-commands",
            &[
                "-step_metadata_dir={sb}/meta",
                "-post_file",
                "{sb}/out",
                "-termination_path",
                "{sb}/termination",
            ],
        )
        .env("TEKTON_PLATFORM_COMMANDS", sh_cmds),
        Case::new(
            "platform-commands-with-args",
            &[
                "-step_metadata_dir={sb}/meta",
                "-post_file",
                "{sb}/out",
                "-termination_path",
                "{sb}/termination",
                "--",
                "extra",
            ],
        )
        .env(
            "TEKTON_PLATFORM_COMMANDS",
            r#"{"linux/amd64":["echo","platform"]}"#,
        ),
        Case::new(
            "platform-commands-no-match",
            &[
                "-post_file",
                "{sb}/out",
                "-termination_path",
                "{sb}/termination",
            ],
        )
        .env("TEKTON_PLATFORM_COMMANDS", r#"{"plan9/mips":["echo"]}"#),
        Case::new(
            "platform-commands-bad-json",
            &[
                "-post_file",
                "{sb}/out",
                "-termination_path",
                "{sb}/termination",
            ],
        )
        .env("TEKTON_PLATFORM_COMMANDS", "{not json"),
        Case::new(
            "no-command",
            &[
                "-post_file",
                "{sb}/out",
                "-termination_path",
                "{sb}/termination",
            ],
        ),
        Case::new(
            "flag-single-dash-equals",
            &[
                "-step_metadata_dir={sb}/meta",
                "-post_file={sb}/out",
                "-termination_path={sb}/termination",
                "-entrypoint=echo",
                "--",
                "eq",
            ],
        ),
        Case::new(
            "flag-double-dash-space",
            &[
                "-step_metadata_dir={sb}/meta",
                "--post_file",
                "{sb}/out",
                "--termination_path",
                "{sb}/termination",
                "--entrypoint",
                "echo",
                "--",
                "dd",
            ],
        ),
        Case::new(
            "flag-double-dash-equals",
            &[
                "-step_metadata_dir={sb}/meta",
                "--post_file={sb}/out",
                "--termination_path={sb}/termination",
                "--entrypoint=echo",
                "--",
                "dde",
            ],
        ),
        Case::new(
            "flag-last-wins",
            &[
                "-step_metadata_dir={sb}/meta",
                "-post_file",
                "{sb}/first",
                "-post_file",
                "{sb}/out",
                "-termination_path",
                "{sb}/termination",
                "-entrypoint",
                "echo",
                "--",
                "x",
            ],
        ),
        sh(
            "bool-flag-equals-true",
            &["-wait_file", "{sb}/prev", "-wait_file_content=true"],
            "echo ok",
        )
        .file("prev", "x"),
        sh(
            "bool-flag-equals-t",
            &["-wait_file", "{sb}/prev", "-wait_file_content=t"],
            "echo ok",
        )
        .file("prev", "x"),
        sh(
            "bool-flag-equals-false",
            &["-breakpoint_on_failure=false"],
            "exit 2",
        ),
        sh(
            "bool-flag-equals-0",
            &["-breakpoint_on_failure=0"],
            "exit 2",
        ),
        Case::new(
            "args-without-double-dash",
            &[
                "-post_file",
                "{sb}/out",
                "-termination_path",
                "{sb}/termination",
                "-entrypoint",
                "echo",
                "hi",
            ],
        ),
        Case::new(
            "double-dash-args-with-dashes",
            &[
                "-step_metadata_dir={sb}/meta",
                "-post_file",
                "{sb}/out",
                "-termination_path",
                "{sb}/termination",
                "-entrypoint",
                "echo",
                "--",
                "-n",
                "x",
            ],
        ),
        sh(
            "creds-flags-parsed",
            &[
                "-basic-git",
                "",
                "-ssh-git",
                "",
                "-docker-config",
                "",
                "-docker-cfg",
                "",
                "-basic-docker",
                "",
            ],
            "echo creds",
        )
        .tekton(),
        sh(
            "spire-flags-no-results",
            &["-enable_spire=false", "-spire_socket_path", "/nonexistent"],
            "echo spire",
        ),
    ]
}
