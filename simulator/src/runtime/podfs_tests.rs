//! Tests of the Pod filesystem and path mapping.
use super::*;
use k8s_openapi::api::core::v1::{EmptyDirVolumeSource, PodSpec, Volume};

fn pod() -> Pod {
    let volume = |name: &str| Volume {
        name: name.to_string(),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Volume::default()
    };
    let mount = |name: &str, path: &str| VolumeMount {
        name: name.to_string(),
        mount_path: path.to_string(),
        ..VolumeMount::default()
    };
    Pod {
        spec: Some(PodSpec {
            volumes: Some(vec![volume("run-0"), volume("ws"), volume("nested")]),
            containers: vec![Container {
                name: "step-a".to_string(),
                volume_mounts: Some(vec![
                    mount("run-0", "/tekton/run/0"),
                    mount("ws", "/workspace"),
                    mount("nested", "/workspace/deep"),
                ]),
                termination_message_path: Some("/tekton/termination".to_string()),
                ..Container::default()
            }],
            ..PodSpec::default()
        }),
        ..Pod::default()
    }
}

#[test]
fn maps_mounts_termination_and_entrypoint() {
    let base = tempfile::tempdir().expect("temp dir");
    let pod = pod();
    let podfs =
        PodFs::create(&pod, Path::new("/opt/ep"), base.path(), &BTreeMap::new()).expect("pod fs");
    let spec = pod.spec.as_ref().expect("spec");
    let cfs = podfs.container(&spec.containers[0]).expect("container fs");
    let root = podfs.root();
    assert_eq!(
        cfs.map("/tekton/run/0/out"),
        Some(root.join("volumes/run-0/out"))
    );
    assert_eq!(cfs.map("/workspace"), Some(root.join("volumes/ws")));
    assert_eq!(
        cfs.map("/workspace/deep/x"),
        Some(root.join("volumes/nested/x"))
    );
    assert_eq!(cfs.map("/workspaces"), None);
    assert_eq!(
        cfs.map("/ko-app/entrypoint"),
        Some(PathBuf::from("/opt/ep"))
    );
    assert_eq!(
        cfs.termination_file(),
        cfs.dir().join("fs/tekton/termination")
    );
    assert!(cfs.termination_file().exists());
    assert_eq!(cfs.map("/bin/sh"), None);
    // The container's /tekton view reaches the run volume through the union.
    std::fs::write(root.join("volumes/run-0/marker"), "x").expect("write");
    assert!(cfs.tekton_root().join("run/0/marker").exists());
}

#[test]
fn rewrites_paths_inside_text() {
    let base = tempfile::tempdir().expect("temp dir");
    let pod = pod();
    let podfs =
        PodFs::create(&pod, Path::new("/opt/ep"), base.path(), &BTreeMap::new()).expect("pod fs");
    let spec = pod.spec.as_ref().expect("spec");
    let cfs = podfs.container(&spec.containers[0]).expect("container fs");
    let ws = podfs.root().join("volumes/ws");
    let ws = ws.display();
    assert_eq!(
        cfs.rewrite("-wait_file=/workspace/a,/workspace/b"),
        format!("-wait_file={ws}/a,{ws}/b")
    );
    assert_eq!(
        cfs.rewrite("cat /workspace/v > \"/workspace/w\""),
        format!("cat {ws}/v > \"{ws}/w\"")
    );
    assert_eq!(
        cfs.rewrite("$HOME/workspace /bin/sh x/workspace"),
        "$HOME/workspace /bin/sh x/workspace"
    );
}

#[test]
fn rejects_unsupported_volumes() {
    let mut pod = pod();
    if let Some(spec) = pod.spec.as_mut() {
        spec.volumes = Some(vec![Volume {
            name: "cfg".to_string(),
            ..Volume::default()
        }]);
    }
    let base = tempfile::tempdir().expect("temp dir");
    assert!(matches!(
        PodFs::create(&pod, Path::new("/opt/ep"), base.path(), &BTreeMap::new()),
        Err(PodFsError::Unsupported(_))
    ));
}

#[test]
fn a_bound_volume_is_the_callers_directory_and_survives_the_pod() {
    let base = tempfile::tempdir().expect("temp dir");
    let shared = tempfile::tempdir().expect("shared dir");
    let pod = pod();
    let bindings = BTreeMap::from([("ws".to_string(), shared.path().to_path_buf())]);
    let podfs = PodFs::create(&pod, Path::new("/opt/ep"), base.path(), &bindings).expect("pod fs");
    let spec = pod.spec.as_ref().expect("spec");
    let cfs = podfs.container(&spec.containers[0]).expect("container fs");
    assert_eq!(cfs.map("/workspace/src"), Some(shared.path().join("src")));
    assert_eq!(podfs.volume_dir("ws"), Some(shared.path()));
    drop(cfs);
    drop(podfs);
    assert!(shared.path().is_dir(), "a bound directory is never removed");
}

#[test]
fn a_binding_to_a_missing_directory_is_refused() {
    let base = tempfile::tempdir().expect("temp dir");
    let bindings = BTreeMap::from([("ws".to_string(), base.path().join("absent"))]);
    let err = PodFs::create(&pod(), Path::new("/opt/ep"), base.path(), &bindings)
        .expect_err("missing directory");
    assert!(err.to_string().contains("not a directory"), "{err}");
}

#[test]
fn paths_absent_from_the_host_are_private_and_binds_cover_every_mount() {
    let base = tempfile::tempdir().expect("temp dir");
    let pod = pod();
    let podfs =
        PodFs::create(&pod, Path::new("/opt/ep"), base.path(), &BTreeMap::new()).expect("pod fs");
    let container = &pod.spec.as_ref().expect("spec").containers[0];
    let cfs = podfs.container(container).expect("container fs");
    let private = cfs.map_private("/podsim-no-such-dir/x").expect("private");
    assert!(private.starts_with(cfs.dir()), "{}", private.display());
    assert_eq!(cfs.map_private("/bin"), None, "host paths stay the host's");
    assert_eq!(cfs.map_private("//host/url"), None);
    let rewritten = cfs.rewrite("echo hi > /podsim-no-such-dir/x");
    assert!(
        rewritten.contains(&*cfs.dir().to_string_lossy()),
        "{rewritten}"
    );
    let mut targets: Vec<String> = cfs.binds().into_iter().map(|b| b.target).collect();
    targets.sort();
    assert_eq!(
        targets,
        [
            "/ko-app/entrypoint",
            "/tekton/run/0",
            "/tekton/termination",
            "/workspace",
            "/workspace/deep"
        ]
    );
}
