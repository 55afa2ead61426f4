//! Black-box tests of choosing the wrapped command: `-entrypoint` plus the
//! words after `--`, or `TEKTON_PLATFORM_COMMANDS` selected by platform.

mod common;

use common::*;
use predicates::prelude::*;

#[test]
fn no_entrypoint_and_no_platform_commands_is_an_error() {
    let sb = Sandbox::new();
    let post = sb.path("out");
    let out = sb
        .invoke(["-post_file", post.to_str().unwrap(), "--", "ignored"])
        .assert()
        .code(1);
    assert_one_line_error(&out.get_output().stderr, &[]);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("entrypoint")
            && (err.contains("TEKTON_PLATFORM_COMMANDS") || err.contains("-entrypoint")),
        "error should name -entrypoint or TEKTON_PLATFORM_COMMANDS: {err}"
    );
    assert!(!post.exists());
    assert!(err_file(&post).exists(), "bad input must still post .err");
}

#[test]
fn platform_commands_selects_os_arch_key_and_appends_args() {
    let sb = Sandbox::new();
    let cmds = serde_json::json!({
        "windows/amd64": ["/bin/echo", "wrong"],
        platform_key(): ["/bin/echo", "chosen"],
        "linux/nosucharch": ["/bin/echo", "wrong"],
    });
    let post = sb.path("out");
    sb.step()
        .raw(["-post_file", post.to_str().unwrap(), "--", "extra"])
        .env("TEKTON_PLATFORM_COMMANDS", cmds.to_string())
        .command()
        .assert()
        .success()
        .stdout("chosen extra\n");
}

#[test]
fn platform_commands_falls_back_to_key_without_variant() {
    let sb = Sandbox::new();
    let cmds = serde_json::json!({
        format!("{}/v99", platform_key()): ["/bin/echo", "wrong-variant"],
        platform_key(): ["/bin/echo", "no-variant"],
    });
    sb.step()
        .raw(["--"])
        .env("TEKTON_PLATFORM_COMMANDS", cmds.to_string())
        .command()
        .assert()
        .success()
        .stdout("no-variant\n");
}

#[test]
fn platform_commands_without_matching_key_is_an_error() {
    let sb = Sandbox::new();
    let post = sb.path("out");
    let cmds =
        serde_json::json!({ "windows/amd64": ["cmd.exe"], "linux/nosucharch": ["/bin/true"] });
    sb.step()
        .raw(["-post_file", post.to_str().unwrap(), "--"])
        .env("TEKTON_PLATFORM_COMMANDS", cmds.to_string())
        .command()
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("entrypoint: "));
    assert!(!post.exists());
    assert!(err_file(&post).exists(), "bad input must still post .err");
}

#[test]
fn platform_commands_malformed_json_is_an_error() {
    let sb = Sandbox::new();
    sb.step()
        .raw(["--", "x"])
        .env("TEKTON_PLATFORM_COMMANDS", "{not json")
        .command()
        .assert()
        .code(1)
        .stderr(predicate::str::contains("TEKTON_PLATFORM_COMMANDS"));
}

#[test]
fn explicit_entrypoint_wins_over_platform_commands() {
    let sb = Sandbox::new();
    let cmds = serde_json::json!({ platform_key(): ["/bin/echo", "platform"] });
    sb.step()
        .run("/bin/echo", ["flag"])
        .env("TEKTON_PLATFORM_COMMANDS", cmds.to_string())
        .command()
        .assert()
        .success()
        .stdout("flag\n");
}
