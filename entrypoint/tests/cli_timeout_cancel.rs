//! Black-box tests of `-timeout` (Go duration syntax, enforcement, negative
//! values) and of cancellation through the Downward API cancel file.

mod common;

use common::*;
use std::fs;
use std::os::unix::fs::symlink;

#[test]
fn timeout_accepts_go_duration_syntax() {
    for d in [
        // All long enough for `sh -c true`: tiny values would really time out.
        "0",
        "300000ms",
        "90s",
        "1.5m",
        "2m",
        "1h2m3.5s",
        "1.5h",
        "+5m",
        ".5h",
        "5.m",
        "60000000us",
        "60000000µs",
        "60000000000ns",
        "1h0m0s",
    ] {
        let sb = Sandbox::new();
        let post = sb.path("out");
        sb.step()
            .post_file(&post)
            .timeout(d)
            .sh("true")
            .command()
            .assert()
            .success();
        assert!(post.exists(), "-timeout {d}: no post file");
    }
}

#[test]
fn timeout_malformed_is_an_error_naming_timeout() {
    for d in ["abc", "5", "1d", "s", "1h-2m"] {
        let sb = Sandbox::new();
        let marker = sb.path("marker");
        let out = sb
            .step()
            .timeout(d)
            .sh(&format!("touch {}", marker.display()))
            .command()
            .assert()
            .failure();
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            err.contains("timeout"),
            "-timeout {d}: stderr does not name it: {err}"
        );
        assert!(!marker.exists(), "-timeout {d}: command ran");
    }
}

#[test]
fn timeout_kills_step_and_reports_timeout_exceeded() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    let started = std::time::Instant::now();
    sb.step()
        .post_file(&post)
        .timeout("200ms")
        .sh("sleep 30")
        .command()
        .assert()
        .code(1);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "timeout not enforced"
    );
    assert!(err_file(&post).exists());
    assert!(!post.exists());
    let entries = read_message(&sb.term());
    assert_entry(&entries, "Reason", "TimeoutExceeded", 3);
    assert_started_at(&entries);
}

#[test]
fn timeout_kills_the_whole_process_group() {
    // A grandchild in the same group must die too, else it would keep the
    // step's output open; the wrapper must not wait on it for 30 s.
    let sb = Sandbox::new();
    let post = sb.post(0);
    let pidfile = sb.path("grandchild.pid");
    let started = std::time::Instant::now();
    sb.step()
        .post_file(&post)
        .timeout("300ms")
        .sh(&format!("sleep 30 & echo $! > {}; wait", pidfile.display()))
        .command()
        .assert()
        .code(1);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let pid: i32 = fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let gone = wait_until(HANG, || {
        // kill(pid, 0) fails once the process is gone (reaped by init).
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_err()
            || fs::read_to_string(format!("/proc/{pid}/stat"))
                .map(|s| s.contains(") Z "))
                .unwrap_or(true)
    });
    assert!(gone, "grandchild {pid} survived the timeout");
}

#[test]
fn timeout_not_reached_is_success() {
    let sb = Sandbox::new();
    let post = sb.post(0);
    sb.step()
        .post_file(&post)
        .timeout("30s")
        .sh("true")
        .command()
        .assert()
        .success();
    assert!(post.exists());
}

#[test]
fn negative_timeout_is_an_error_and_still_posts_err() {
    for spelling in [vec!["-timeout", "-1s"], vec!["-timeout=-1s"]] {
        let sb = Sandbox::new();
        let post = sb.post(0);
        let marker = sb.path("marker");
        let mut step = sb.step().post_file(&post);
        for a in &spelling {
            step = step.arg(a);
        }
        let out = step
            .sh(&format!("touch {}", marker.display()))
            .command()
            .assert()
            .code(1);
        assert_one_line_error(&out.get_output().stderr, &["timeout"]);
        assert!(err_file(&post).exists(), "{spelling:?}: no .err");
        assert!(!post.exists());
        assert!(!marker.exists(), "{spelling:?}: command ran");
    }
}

/// Runs a long step, waits until it has started, then lets `cancel` cancel it.
fn run_cancel_scenario(sb: &Sandbox, cancel: impl FnOnce()) {
    let post = sb.post(0);
    let meta = sb.meta(0);
    let marker = sb.path("started");
    let mut child = sb
        .step()
        .post_file(&post)
        .metadata(&meta)
        .sh(&format!("touch {}; sleep 30", marker.display()))
        .spawn(&sb.path("stderr"));
    wait_for_path(&marker);
    cancel();
    let st = wait_child(&mut child);
    let stderr = read_opt(&sb.path("stderr")).unwrap_or_default();
    assert_eq!(
        st.code(),
        Some(9),
        "cancelled step exit status; stderr: {stderr}"
    );
    assert!(err_file(&post).exists());
    assert!(!post.exists());
    assert_eq!(read_opt(&meta.join("exitCode")).as_deref(), Some("killed"));
    let entries = read_message(&sb.term());
    assert_entry(&entries, "Reason", "Cancelled", 3);
}

#[test]
fn cancel_file_gaining_content_cancels_the_step() {
    let sb = Sandbox::new();
    let cancel = sb.tekton("downward/cancel");
    write_file(&cancel, "");
    run_cancel_scenario(&sb, || fs::write(&cancel, "CANCEL").unwrap());
}

#[test]
fn cancel_file_created_while_running_cancels_the_step() {
    let sb = Sandbox::new();
    fs::create_dir_all(sb.tekton("downward")).unwrap();
    let cancel = sb.tekton("downward/cancel");
    run_cancel_scenario(&sb, || fs::write(&cancel, "CANCEL").unwrap());
}

#[test]
fn cancel_through_kubelet_data_symlink_swap() {
    // The kubelet's Downward API layout: cancel -> ..data/cancel,
    // ..data -> ..<timestamp>; an update writes a new timestamp dir and
    // atomically renames a new ..data symlink over the old one.
    let sb = Sandbox::new();
    let down = sb.tekton("downward");
    fs::create_dir_all(down.join("..2024_01_01_old")).unwrap();
    fs::write(down.join("..2024_01_01_old/cancel"), "").unwrap();
    fs::write(down.join("..2024_01_01_old/ready"), "").unwrap();
    symlink("..2024_01_01_old", down.join("..data")).unwrap();
    symlink("..data/cancel", down.join("cancel")).unwrap();
    symlink("..data/ready", down.join("ready")).unwrap();
    run_cancel_scenario(&sb, || {
        fs::create_dir_all(down.join("..2024_01_01_new")).unwrap();
        fs::write(down.join("..2024_01_01_new/cancel"), "CANCEL").unwrap();
        fs::write(down.join("..2024_01_01_new/ready"), "").unwrap();
        symlink("..2024_01_01_new", down.join("..data_tmp")).unwrap();
        fs::rename(down.join("..data_tmp"), down.join("..data")).unwrap();
        fs::remove_dir_all(down.join("..2024_01_01_old")).unwrap();
    });
}

#[test]
fn empty_cancel_file_does_not_cancel() {
    let sb = Sandbox::new();
    write_file(&sb.tekton("downward/cancel"), "");
    let post = sb.post(0);
    sb.step()
        .post_file(&post)
        .sh("true")
        .command()
        .assert()
        .success();
    assert!(post.exists());
}
