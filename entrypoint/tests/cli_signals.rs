//! Black-box tests of signal forwarding: a signal sent to the wrapper reaches
//! the child's whole process group, and the child's exit status comes back.

mod common;

use common::*;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::process::Child;

fn signal(child: &Child, sig: Signal) {
    kill(Pid::from_raw(child.id() as i32), sig).expect("send signal to entrypoint");
}

/// A shell that writes `ready` once its trap is installed, then idles in short
/// foreground sleeps so the trap runs promptly.
fn trapping_script(sig: &str, code: i32, ready: &std::path::Path) -> String {
    format!(
        "trap 'exit {code}' {sig}; touch {ready}; while :; do sleep 0.05; done",
        ready = ready.display()
    )
}

/// Sends `sig` to a wrapper whose child traps it with `exit code`; asserts
/// the child's code comes back.
fn assert_trapped_signal_is_forwarded(name: &str, sig: Signal, code: i32) {
    let sb = Sandbox::new();
    let ready = sb.path("ready");
    let mut child = sb
        .step()
        .sh(&trapping_script(name, code, &ready))
        .spawn(&sb.path("stderr"));
    wait_for_path(&ready);
    signal(&child, sig);
    assert_eq!(wait_child(&mut child).code(), Some(code), "SIG{name}");
}

#[test]
fn sigterm_reaches_trapping_child_and_its_exit_code_comes_back() {
    let sb = Sandbox::new();
    let ready = sb.path("ready");
    let post = sb.post(0);
    let mut child = sb
        .step()
        .post_file(&post)
        .sh(&trapping_script("TERM", 42, &ready))
        .spawn(&sb.path("stderr"));
    wait_for_path(&ready);
    signal(&child, Signal::SIGTERM);
    let st = wait_child(&mut child);
    assert_eq!(
        st.code(),
        Some(42),
        "stderr: {:?}",
        read_opt(&sb.path("stderr"))
    );
    assert!(err_file(&post).exists());
    assert!(!post.exists());
}

#[test]
fn child_starts_with_an_empty_signal_mask() {
    // The wrapper blocks signals to read them from a signalfd; the child must
    // not inherit that mask, or programs that do not reset it never see the
    // signals forwarded to them.
    let sb = Sandbox::new();
    let out = sb
        .step()
        .run("/bin/grep", ["SigBlk", "/proc/self/status"])
        .command()
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert_eq!(
        text.trim(),
        "SigBlk:\t0000000000000000",
        "child's blocked signals"
    );
}

#[test]
fn sigterm_reaches_a_child_that_is_not_a_shell() {
    // `sleep` neither traps TERM nor touches its signal mask: forwarded TERM
    // must kill it, and a child killed by a signal is reported as 255.
    let sb = Sandbox::new();
    let post = sb.post(0);
    let mut child = sb
        .step()
        .post_file(&post)
        .metadata(sb.meta(0))
        .run("/bin/sleep", ["30"])
        .spawn(&sb.path("stderr"));
    // The metadata dirs are created before the command starts.
    wait_for_path(&sb.tekton("run/0/status/results"));
    let started = std::time::Instant::now();
    signal(&child, Signal::SIGTERM);
    let st = wait_child(&mut child);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "TERM did not reach sleep"
    );
    assert_eq!(
        st.code(),
        Some(255),
        "stderr: {:?}",
        read_opt(&sb.path("stderr"))
    );
    assert!(err_file(&post).exists());
}

#[test]
fn sigint_is_forwarded() {
    assert_trapped_signal_is_forwarded("INT", Signal::SIGINT, 43);
}

#[test]
fn sigusr1_is_forwarded() {
    assert_trapped_signal_is_forwarded("USR1", Signal::SIGUSR1, 44);
}

#[test]
fn sighup_is_forwarded() {
    assert_trapped_signal_is_forwarded("HUP", Signal::SIGHUP, 45);
}

#[test]
fn sigterm_reaches_the_whole_process_group() {
    // The direct child ignores nothing special: it waits for a background
    // grandchild, which records that it got TERM. Both traps are set before
    // `ready` appears (the parent's first), so the signal cannot race them.
    let sb = Sandbox::new();
    let ready = sb.path("ready");
    let got = sb.path("grandchild-got-term");
    let script = format!(
        "trap 'wait; exit 42' TERM; \
         sh -c 'trap \"echo TERM > {got}; exit 0\" TERM; touch {ready}; while :; do sleep 0.05; done' & \
         wait; wait",
        got = got.display(),
        ready = ready.display()
    );
    let mut child = sb.step().sh(&script).spawn(&sb.path("stderr"));
    wait_for_path(&ready);
    signal(&child, Signal::SIGTERM);
    assert_eq!(wait_child(&mut child).code(), Some(42));
    assert_eq!(
        read_opt(&got).as_deref(),
        Some("TERM\n"),
        "grandchild did not get SIGTERM"
    );
}

#[test]
fn child_runs_in_its_own_process_group() {
    let sb = Sandbox::new();
    let out = sb.path("ids");
    sb.step()
        .sh(&format!(
            "echo $$ $(cut -d' ' -f5 /proc/$$/stat) > {}",
            out.display()
        ))
        .command()
        .assert()
        .success();
    let text = read_opt(&out).unwrap();
    let ids: Vec<i32> = text
        .split_whitespace()
        .map(|w| w.parse().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{text:?}");
    assert_eq!(
        ids[0], ids[1],
        "child (pid {}) is not its own process group leader (pgid {})",
        ids[0], ids[1]
    );
}

#[test]
fn child_dying_of_forwarded_sigterm_reports_255() {
    // A child that does not trap TERM dies of the signal: reported as 255.
    let sb = Sandbox::new();
    let ready = sb.path("ready");
    let post = sb.post(0);
    let mut child = sb
        .step()
        .post_file(&post)
        .sh(&format!("touch {}; exec sleep 30", ready.display()))
        .spawn(&sb.path("stderr"));
    wait_for_path(&ready);
    signal(&child, Signal::SIGTERM);
    assert_eq!(wait_child(&mut child).code(), Some(255));
    assert!(err_file(&post).exists());
}

/// True when this machine lets us run a process as PID 1 of a new PID namespace.
fn pid_namespaces_available() -> bool {
    std::process::Command::new("unshare")
        .args(["--pid", "--fork", "--mount-proc", "true"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[test]
fn as_pid_1_orphaned_zombies_are_reaped() {
    if !pid_namespaces_available() {
        eprintln!(
            "skipped: cannot create a PID namespace here (unshare --pid --fork --mount-proc)"
        );
        return;
    }
    // The step orphans a grandchild (its subshell exits at once), so the
    // grandchild is re-parented to PID 1, the wrapper. Once it has exited, it
    // must vanish from /proc (reaped) rather than stay a zombie. The script
    // exits 0 when it is gone, 7 if it is still there after ~10 s.
    let sb = Sandbox::new();
    let pidfile = sb.path("orphan.pid");
    let script = format!(
        "(sh -c 'echo $$ > {p}.tmp; mv {p}.tmp {p}; exec true' &); \
         i=0; while [ ! -s {p} ]; do i=$((i+1)); [ $i -gt 400 ] && exit 6; sleep 0.025; done; \
         pid=$(cat {p}); \
         i=0; while [ -e /proc/$pid ]; do i=$((i+1)); [ $i -gt 400 ] && exit 7; sleep 0.025; done; exit 0",
        p = pidfile.display()
    );
    let mut argv: Vec<std::ffi::OsString> = vec![
        "--pid".into(),
        "--fork".into(),
        "--mount-proc".into(),
        bin().into_os_string(),
    ];
    argv.extend(sb.step().sh(&script).argv());
    let mut cmd = assert_cmd::Command::new("unshare");
    cmd.args(argv)
        .env("ENTRYPOINT_TEKTON_ROOT", sb.root())
        .timeout(HANG);
    cmd.assert().code(0);
}
