//! Black-box tests of the subcommands `cp`, `init`, `step-init` and
//! `decode-script`, and of their error paths.

mod common;

use assert_cmd::assert::Assert;
use base64::Engine;
use common::*;
use predicates::prelude::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn read_any(path: &Path) -> Vec<u8> {
    // The copy is mode 0311 (no read bit); we run as whoever, so make it readable.
    let mut p = fs::metadata(path).unwrap().permissions();
    let old = p.mode();
    p.set_mode(old | 0o400);
    fs::set_permissions(path, p).unwrap();
    let data = fs::read(path).unwrap();
    let mut p = fs::metadata(path).unwrap().permissions();
    p.set_mode(old);
    fs::set_permissions(path, p).unwrap();
    data
}

fn assert_subcommand_error(out: &Assert, cmd: &str) {
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one error line: {err:?}");
    assert!(
        lines[0].contains(&format!("{cmd} error")),
        "error line should read '{cmd} error: ...': {err:?}"
    );
}

// ---- cp ---------------------------------------------------------------------

#[test]
fn cp_copies_content_with_mode_0311() {
    let sb = Sandbox::new();
    let src = sb.path("src-bin");
    let content: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    fs::write(&src, &content).unwrap();
    let dst = sb.path("dst-bin");
    sb.invoke(["cp".as_ref(), src.as_os_str(), dst.as_os_str()])
        .assert()
        .code(0);
    assert_eq!(mode(&dst), 0o311);
    assert_eq!(read_any(&dst), content);
}

#[test]
fn cp_result_is_executable() {
    let sb = Sandbox::new();
    let src = sb.write("script", "#!/bin/sh\necho copied-and-run\n");
    let dst = sb.path("script-copy");
    sb.invoke(["cp".as_ref(), src.as_os_str(), dst.as_os_str()])
        .assert()
        .success();
    std::process::Command::new(&dst)
        .output()
        .map(|o| assert_eq!(String::from_utf8_lossy(&o.stdout), "copied-and-run\n"))
        .expect("run copied file");
}

#[test]
fn cp_missing_source_fails() {
    let sb = Sandbox::new();
    let src = sb.path("missing");
    let dst = sb.path("dst");
    let out = sb
        .invoke(["cp".as_ref(), src.as_os_str(), dst.as_os_str()])
        .assert()
        .code(1);
    assert_subcommand_error(&out, "cp");
    assert!(!dst.exists());
}

#[test]
fn cp_wrong_argument_count_fails() {
    let sb = Sandbox::new();
    let src = sb.write("src", "x");
    let out = sb.invoke(["cp".as_ref(), src.as_os_str()]).assert().code(1);
    assert_subcommand_error(&out, "cp");
}

// ---- step-init ----------------------------------------------------------------

/// Runs `entrypoint step-init names...` in the sandbox.
fn step_init(sb: &Sandbox, names: &[&str]) -> Assert {
    sb.invoke(std::iter::once("step-init").chain(names.iter().copied()))
        .assert()
}

fn assert_step_links(sb: &Sandbox, names: &[&str]) {
    for (i, name) in names.iter().enumerate() {
        let want = sb.tekton(&format!("run/{i}/status"));
        for link in [
            sb.tekton(&format!("steps/{name}")),
            sb.tekton(&format!("steps/{i}")),
        ] {
            let got = fs::read_link(&link)
                .unwrap_or_else(|e| panic!("{} is not a symlink: {e}", link.display()));
            assert_eq!(got, want, "target of {}", link.display());
        }
    }
}

#[test]
fn step_init_links_names_and_indices_to_run_status() {
    let sb = Sandbox::new();
    fs::create_dir_all(sb.tekton("steps")).unwrap();
    step_init(&sb, &["step-build", "step-test", "step-unnamed-2"]).code(0);
    assert_step_links(&sb, &["step-build", "step-test", "step-unnamed-2"]);
}

#[test]
fn step_init_tolerates_existing_links() {
    let sb = Sandbox::new();
    fs::create_dir_all(sb.tekton("steps")).unwrap();
    for _ in 0..2 {
        step_init(&sb, &["step-a", "step-b"]).code(0);
    }
    assert_step_links(&sb, &["step-a", "step-b"]);
}

#[test]
fn step_init_links_resolve_once_status_exists() {
    let sb = Sandbox::new();
    fs::create_dir_all(sb.tekton("steps")).unwrap();
    step_init(&sb, &["step-a"]).success();
    write_file(&sb.tekton("run/0/status/exitCode"), "0");
    assert_eq!(
        read_opt(&sb.tekton("steps/step-a/exitCode")).as_deref(),
        Some("0")
    );
    assert_eq!(
        read_opt(&sb.tekton("steps/0/exitCode")).as_deref(),
        Some("0")
    );
}

#[test]
fn step_init_creates_the_steps_dir() {
    let sb = Sandbox::new();
    step_init(&sb, &["step-a"]).code(0);
    assert_step_links(&sb, &["step-a"]);
}

#[test]
fn step_init_replaces_stale_links() {
    // A restarted init container finds links from its previous run.
    let sb = Sandbox::new();
    fs::create_dir_all(sb.tekton("steps")).unwrap();
    std::os::unix::fs::symlink("/elsewhere", sb.tekton("steps/step-a")).unwrap();
    step_init(&sb, &["step-a"]).code(0);
    assert_step_links(&sb, &["step-a"]);
}

#[test]
fn step_init_without_names_succeeds() {
    let sb = Sandbox::new();
    fs::create_dir_all(sb.tekton("steps")).unwrap();
    step_init(&sb, &[]).code(0);
}

#[test]
fn step_init_unwritable_steps_dir_fails() {
    let sb = Sandbox::new();
    // `steps` is a regular file, so no link can be created inside it.
    write_file(&sb.tekton("steps"), "not a dir");
    let out = step_init(&sb, &["step-a"]).code(1);
    assert_subcommand_error(&out, "step-init");
}

// ---- init ---------------------------------------------------------------------

#[test]
fn init_copies_binary_and_creates_step_links() {
    let sb = Sandbox::new();
    fs::create_dir_all(sb.tekton("steps")).unwrap();
    fs::create_dir_all(sb.tekton("bin")).unwrap();
    let src = sb.write("ko-app/entrypoint", "binary-bytes");
    let dst = sb.tekton("bin/entrypoint");
    sb.invoke([
        "init".as_ref(),
        src.as_os_str(),
        dst.as_os_str(),
        "step-one".as_ref(),
        "step-two".as_ref(),
    ])
    .assert()
    .code(0);
    assert_eq!(mode(&dst), 0o311);
    assert_eq!(read_any(&dst), b"binary-bytes");
    assert_step_links(&sb, &["step-one", "step-two"]);
}

#[test]
fn init_without_step_names_only_copies() {
    let sb = Sandbox::new();
    let src = sb.write("src", "abc");
    let dst = sb.path("dst");
    sb.invoke(["init".as_ref(), src.as_os_str(), dst.as_os_str()])
        .assert()
        .code(0);
    assert_eq!(read_any(&dst), b"abc");
}

#[test]
fn init_missing_source_fails() {
    let sb = Sandbox::new();
    fs::create_dir_all(sb.tekton("steps")).unwrap();
    let src = sb.path("missing");
    let dst = sb.path("dst");
    let out = sb
        .invoke([
            "init".as_ref(),
            src.as_os_str(),
            dst.as_os_str(),
            "step-a".as_ref(),
        ])
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("error"), "{err}");
    assert!(!dst.exists());
}

#[test]
fn init_wrong_argument_count_fails() {
    let sb = Sandbox::new();
    sb.invoke(["init", "only-one"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("init"));
}

// ---- decode-script -----------------------------------------------------------

const SCRIPT: &str = "#!/bin/sh\necho decoded-script\n";

/// Runs `entrypoint decode-script script` in the sandbox.
fn decode_script(sb: &Sandbox, script: &Path) -> Assert {
    sb.invoke(["decode-script".as_ref(), script.as_os_str()])
        .assert()
}

fn b64(s: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[test]
fn decode_script_replaces_base64_and_keeps_mode() {
    let sb = Sandbox::new();
    let script = sb.write("scripts/script-0-abc", &b64(SCRIPT.as_bytes()));
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    decode_script(&sb, &script).code(0);
    assert_eq!(fs::read_to_string(&script).unwrap(), SCRIPT);
    assert_eq!(mode(&script), 0o755);
    let out = std::process::Command::new(&script).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "decoded-script\n");
}

#[test]
fn decode_script_keeps_unusual_mode() {
    let sb = Sandbox::new();
    let script = sb.write("s", &b64(b"data"));
    fs::set_permissions(&script, fs::Permissions::from_mode(0o640)).unwrap();
    decode_script(&sb, &script).success();
    assert_eq!(mode(&script), 0o640);
    assert_eq!(fs::read(&script).unwrap(), b"data");
}

#[test]
fn decode_script_handles_binary_content() {
    let sb = Sandbox::new();
    let bytes: Vec<u8> = (0..=255u8).collect();
    let script = sb.write("s", &b64(&bytes));
    decode_script(&sb, &script).success();
    assert_eq!(fs::read(&script).unwrap(), bytes);
}

#[test]
fn decode_script_ignores_newlines_like_go() {
    // Go's base64 decoder skips '\r' and '\n'.
    let sb = Sandbox::new();
    let enc = b64(SCRIPT.as_bytes());
    let (a, b) = enc.split_at(8);
    let script = sb.write("s", &format!("{a}\n{b}\n"));
    decode_script(&sb, &script).success();
    assert_eq!(fs::read_to_string(&script).unwrap(), SCRIPT);
}

#[test]
fn decode_script_invalid_base64_fails_and_keeps_file() {
    let sb = Sandbox::new();
    let script = sb.write("s", "this is *not* base64!");
    let out = decode_script(&sb, &script).code(1);
    assert_subcommand_error(&out, "decode-script");
    assert_eq!(
        fs::read_to_string(&script).unwrap(),
        "this is *not* base64!"
    );
}

#[test]
fn decode_script_missing_file_fails() {
    let sb = Sandbox::new();
    let script = sb.path("missing");
    let out = decode_script(&sb, &script).code(1);
    assert_subcommand_error(&out, "decode-script");
}

#[test]
fn decode_script_without_path_fails() {
    let sb = Sandbox::new();
    let out = sb.invoke(["decode-script"]).assert().code(1);
    assert_subcommand_error(&out, "decode-script");
}
