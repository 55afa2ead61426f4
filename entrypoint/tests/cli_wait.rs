//! Black-box tests of waiting: `-wait_file` (single, comma list, created,
//! renamed, Downward API symlink swap), `-wait_file_content`, and skipping
//! when a wait file's `.err` shows the previous step failed.

mod common;

use common::*;
use std::fs;
use std::os::unix::fs::symlink;

#[test]
fn existing_wait_file_lets_step_run() {
    let sb = Sandbox::new();
    let prev = sb.post(0);
    write_file(&prev, "");
    let post = sb.post(1);
    sb.pod_step(1)
        .sh("echo ran")
        .command()
        .assert()
        .success()
        .stdout("ran\n");
    assert!(post.exists());
}

#[test]
fn step_waits_until_wait_file_is_created() {
    let sb = Sandbox::new();
    let marker = sb.marker();
    fs::create_dir_all(sb.tekton("run/0")).unwrap();
    let step = sb.pod_step(1).sh(&format!("touch {}", marker.display()));
    let st = sb.run_paused(&step, "wait file does not exist yet", || {
        assert!(!marker.exists(), "command ran before its wait file existed");
        write_file(&sb.post(0), "");
    });
    assert!(st.success());
    assert!(marker.exists());
    assert!(sb.post(1).exists());
}

#[test]
fn wait_file_whose_parent_does_not_exist_yet() {
    let sb = Sandbox::new();
    let wait = sb.path("later/dir/ready");
    sb.assert_waits_then_succeeds(
        sb.step().wait_file(&wait),
        "wait file's directory does not exist yet",
        || write_file(&wait, ""),
    );
}

#[test]
fn wait_file_appearing_by_rename_is_seen() {
    let sb = Sandbox::new();
    let dir = sb.path("run0");
    fs::create_dir_all(&dir).unwrap();
    let wait = dir.join("out");
    sb.assert_waits_then_succeeds(
        sb.step().wait_file(&wait),
        "wait file not renamed into place yet",
        || {
            let tmp = dir.join(".out.tmp");
            fs::write(&tmp, "").unwrap();
            fs::rename(&tmp, &wait).unwrap();
        },
    );
}

#[test]
fn comma_separated_wait_files_all_required() {
    let sb = Sandbox::new();
    let a = sb.path("a");
    let b = sb.write("b", "");
    sb.assert_waits_then_succeeds(
        sb.step()
            .wait_file(format!("{},{}", a.display(), b.display())),
        "only the second wait file exists",
        || write_file(&a, ""),
    );
}

#[test]
fn comma_list_with_err_on_later_file_skips() {
    let sb = Sandbox::new();
    let a = sb.write("a", "");
    let b = sb.path("b");
    write_file(&err_file(&b), "");
    let post = sb.path("out");
    let marker = sb.marker();
    sb.step()
        .wait_file(format!("{},{}", a.display(), b.display()))
        .post_file(&post)
        .sh(&format!("touch {}", marker.display()))
        .command()
        .assert()
        .code(1);
    assert!(err_file(&post).exists());
    assert!(!marker.exists());
}

#[test]
fn wait_file_content_waits_for_non_empty_file() {
    let sb = Sandbox::new();
    let ready = sb.write("ready", "");
    let step = sb.step().wait_file(&ready).switch("wait_file_content");
    sb.assert_waits_then_succeeds(step, "wait file is empty", || {
        fs::write(&ready, "READY").unwrap()
    });
}

#[test]
fn wait_file_content_already_present_runs_at_once() {
    let sb = Sandbox::new();
    let ready = sb.write("ready", "READY");
    sb.assert_succeeds_and_posts(sb.step().wait_file(&ready).switch("wait_file_content"));
}

#[test]
fn empty_wait_file_suffices_without_wait_file_content() {
    let sb = Sandbox::new();
    let ready = sb.write("ready", "");
    sb.assert_succeeds_and_posts(sb.step().wait_file(&ready));
}

#[test]
fn downward_ready_through_kubelet_symlink_swap() {
    // Step 0 with sidecars: -wait_file /tekton/downward/ready -wait_file_content,
    // and the kubelet updates `ready` by swapping the `..data` symlink.
    let sb = Sandbox::new();
    let down = sb.tekton("downward");
    fs::create_dir_all(down.join("..2024_old")).unwrap();
    fs::write(down.join("..2024_old/ready"), "").unwrap();
    symlink("..2024_old", down.join("..data")).unwrap();
    symlink("..data/ready", down.join("ready")).unwrap();
    let step = sb
        .step()
        .wait_file(down.join("ready"))
        .switch("wait_file_content");
    sb.assert_waits_then_succeeds(step, "ready annotation still empty", || {
        fs::create_dir_all(down.join("..2024_new")).unwrap();
        fs::write(down.join("..2024_new/ready"), "READY").unwrap();
        symlink("..2024_new", down.join("..data_tmp")).unwrap();
        fs::rename(down.join("..data_tmp"), down.join("..data")).unwrap();
        fs::remove_dir_all(down.join("..2024_old")).unwrap();
    });
}

#[test]
fn existing_err_wait_file_skips_step() {
    let sb = Sandbox::new();
    write_file(&err_file(&sb.post(0)), "");
    let marker = sb.marker();
    sb.pod_step(1)
        .sh(&format!("touch {}", marker.display()))
        .command()
        .assert()
        .code(1);
    assert!(!marker.exists(), "skipped step ran its command");
    assert!(err_file(&sb.post(1)).exists());
    assert!(!sb.post(1).exists());
    let entries = read_message(&sb.pod_term(1));
    assert_entry(&entries, "Reason", "Skipped", 3);
    assert_started_at(&entries);
}

#[test]
fn err_wait_file_appearing_later_skips_step() {
    let sb = Sandbox::new();
    let marker = sb.marker();
    fs::create_dir_all(sb.tekton("run/0")).unwrap();
    let step = sb.pod_step(1).sh(&format!("touch {}", marker.display()));
    let st = sb.run_paused(&step, "nothing posted yet", || {
        write_file(&err_file(&sb.post(0)), "")
    });
    assert_eq!(st.code(), Some(1));
    assert!(!marker.exists());
    assert!(err_file(&sb.post(1)).exists());
    assert_entry(&read_message(&sb.pod_term(1)), "Reason", "Skipped", 3);
}

#[test]
fn breakpoint_on_failure_ignores_err_wait_file_and_runs() {
    let sb = Sandbox::new();
    write_file(&err_file(&sb.post(0)), "");
    let marker = sb.marker();
    sb.pod_step(1)
        .switch("breakpoint_on_failure")
        .sh(&format!("touch {}", marker.display()))
        .command()
        .assert()
        .success();
    assert!(
        marker.exists(),
        "with -breakpoint_on_failure the step must run"
    );
}

#[test]
fn metadata_dirs_are_created_before_waiting() {
    let sb = Sandbox::new();
    let meta = sb.meta(1);
    let mut child = sb.pod_step(1).sh("true").spawn(&sb.path("stderr"));
    wait_for_path(&meta.join("results"));
    wait_for_path(&meta.join("artifacts"));
    assert!(
        child.try_wait().unwrap().is_none(),
        "step exited without its wait file"
    );
    write_file(&sb.post(0), "");
    assert!(wait_child(&mut child).success());
}
