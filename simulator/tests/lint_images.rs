//! `podsim lint` asking the local image store: a container whose `command`
//! replaces the ENTRYPOINT of an image podman has, when that ENTRYPOINT is
//! the wrapper, is a finding with no `--wrapper-image` glob given.
//!
//! Needs podman; outside CI a machine without it skips (and says why);
//! with `CONFORMANCE_REQUIRE` containing `podman` the test fails instead.

use std::path::Path;
use std::process::Command as Process;

use assert_cmd::Command;
use predicates::prelude::*;

const WRAPPED: &str = "localhost/podsim-lint-test/wrapped:1";
const PLAIN: &str = "localhost/podsim-lint-test/plain:1";

fn podman() -> Process {
    let mut cmd = Process::new("podman");
    let conf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/podman/containers.conf");
    cmd.env("CONTAINERS_CONF", conf);
    cmd
}

/// Imports an empty image with `entrypoint` as its ENTRYPOINT.
fn import(dir: &Path, image: &str, entrypoint: &str) {
    let tar = dir.join("empty.tar");
    let made = Process::new("tar")
        .args(["cf"])
        .arg(&tar)
        .args(["--files-from", "/dev/null"])
        .status()
        .expect("tar runs");
    assert!(made.success(), "tar cf failed");
    let out = podman()
        .args(["import", "--quiet", "--change"])
        .arg(format!("ENTRYPOINT {entrypoint}"))
        .arg(&tar)
        .arg(image)
        .output()
        .expect("podman runs");
    assert!(
        out.status.success(),
        "podman import {image}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn podman_available() -> bool {
    let runs = podman()
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !runs {
        let required = std::env::var("CONFORMANCE_REQUIRE").is_ok_and(|r| r.contains("podman"));
        assert!(
            !required,
            "CONFORMANCE_REQUIRE contains podman but podman cannot run"
        );
        eprintln!("SKIPPED lint_images: podman cannot run (`podman version` failed)");
    }
    runs
}

fn pod(image: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: {image}\n    command: [/app/server]\n"
    )
}

#[test]
fn a_local_image_whose_entrypoint_is_the_wrapper_is_found_without_a_glob() {
    if !podman_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    import(dir.path(), WRAPPED, r#"["/ko-app/entrypoint"]"#);
    import(dir.path(), PLAIN, r#"["/bin/sh"]"#);
    let wrapped = dir.path().join("wrapped.yaml");
    let plain = dir.path().join("plain.yaml");
    std::fs::write(&wrapped, pod(WRAPPED)).expect("write");
    std::fs::write(&plain, pod(PLAIN)).expect("write");

    let mut lint = Command::cargo_bin("podsim").expect("podsim binary");
    lint.arg("lint").arg(&wrapped).arg(&plain);
    lint.assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "wrapped.yaml:9:5: command-overrides-wrapper: container 'app' sets command \"/app/server\", which replaces the ENTRYPOINT of wrapper image {WRAPPED} (its local image config has ENTRYPOINT [\"/ko-app/entrypoint\"])"
        )))
        .stdout(predicate::str::contains("plain.yaml").not());

    // --no-image-store: only globs count, so nothing is found.
    let mut lint = Command::cargo_bin("podsim").expect("podsim binary");
    lint.args(["lint", "--no-image-store"]).arg(&wrapped);
    lint.assert().code(0).stdout("");

    let _ = podman().args(["rmi", "--force", WRAPPED, PLAIN]).output();
}
