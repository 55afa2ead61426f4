//! Shared helpers for every black-box test of the `entrypoint` binary.
//!
//! Each test works inside a [`Sandbox`]: a temporary directory whose `tekton/`
//! sub-directory is passed to the binary as `ENTRYPOINT_TEKTON_ROOT`, so no test
//! ever touches the real `/tekton`. A [`Step`] builds the command line of one
//! wrapped step (flags, then `-entrypoint`, then `--` and the arguments) and
//! turns it into an `assert_cmd::Command` (run to completion) or a spawned
//! child (for tests that interact with a running wrapper). Waiting is always on
//! an event (a file appears, a process exits) bounded by a generous deadline
//! that only catches hangs, never a bare sleep.
//!
//! The submodules each hold one kind of helper; everything is re-exported here
//! so a test file only needs `mod common; use common::*;`.
#![allow(dead_code, unused_imports)]

mod files;
mod message;
mod python;
mod sandbox;
mod step;
mod wait;

use std::path::PathBuf;
use std::time::Duration;

pub use files::*;
pub use message::*;
pub use python::*;
pub use sandbox::*;
pub use step::*;
pub use wait::*;

/// Deadline that only catches hangs; never a timing assertion.
pub const HANG: Duration = Duration::from_secs(20);

/// How long a test checks that something does *not* happen (a wrapper keeps
/// waiting). Only a too-slow machine can make such a check pass wrongly; it
/// never makes a correct implementation fail.
pub const STILL_WAITING: Duration = Duration::from_millis(400);

/// Path of the binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_entrypoint"))
}

/// The `os/arch` key of this machine in Go/OCI spelling (`linux/amd64`), as
/// `TEKTON_PLATFORM_COMMANDS` uses it.
pub fn platform_key() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "arm" => "arm",
        "powerpc64" => "ppc64le",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        other => other,
    };
    format!("linux/{arch}")
}

/// Asserts stderr is exactly one non-blank line, starting with
/// `entrypoint: `, that contains every needle; panics with the text otherwise.
pub fn assert_one_line_error(stderr: &[u8], needles: &[&str]) {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one stderr line, got: {text:?}");
    assert!(
        lines[0].starts_with("entrypoint: "),
        "stderr line must start with 'entrypoint: ': {text:?}"
    );
    for n in needles {
        assert!(lines[0].contains(n), "stderr should name {n:?}: {text:?}");
    }
}
