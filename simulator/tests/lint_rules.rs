//! One test per `podsim lint` rule, on small inline manifests.

use simulator::lint::{lint_text, LintOptions};

/// A container of [`pod`]: name, args (`!` first: not wrapped), mounts as (volume, path).
type Spec<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

/// An ordered Pod of wrapped containers.
fn pod(extra_volumes: &str, containers: &[Spec<'_>]) -> String {
    let mut text = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  volumes:\n    - {{name: seq, emptyDir: {{}}}}\n{extra_volumes}  containers:\n"
    );
    for (name, args, mounts) in containers {
        let command = if args.starts_with('!') {
            "[sh, -c, 'true']".to_string()
        } else {
            "[/tekton/bin/entrypoint]".to_string()
        };
        text.push_str(&format!(
            "    - name: {name}\n      image: x\n      command: {command}\n      args: [{}]\n      volumeMounts:\n",
            args.trim_start_matches('!')
        ));
        for (volume, path) in *mounts {
            text.push_str(&format!(
                "        - {{name: {volume}, mountPath: {path}}}\n"
            ));
        }
        if mounts.is_empty() {
            text.push_str("        []\n");
        }
    }
    text
}

fn rules(text: &str) -> Vec<&'static str> {
    lint_text("pod.yaml", text, &LintOptions::default())
        .expect("valid YAML")
        .into_iter()
        .map(|f| f.rule)
        .collect()
}

const SEQ: &[(&str, &str)] = &[("seq", "/seq")];

#[test]
fn a_well_ordered_pod_is_clean() {
    let text = pod(
        "",
        &[
            ("one", "-post_file, /seq/1, -entrypoint, 'true'", SEQ),
            (
                "two",
                "-wait_file, /seq/1, -post_file, /seq/2, -entrypoint, 'true'",
                SEQ,
            ),
        ],
    );
    assert_eq!(rules(&text), Vec::<&str>::new());
}

#[test]
fn wait_unseen_and_never_starts_for_a_mount_typo() {
    let text = pod(
        "",
        &[
            ("one", "-post_file, /seq/1, -entrypoint, 'true'", SEQ),
            (
                "two",
                "-wait_file, /seq/1, -entrypoint, 'true'",
                &[("seq", "/sqe")],
            ),
        ],
    );
    let found = lint_text("pod.yaml", &text, &LintOptions::default()).expect("valid YAML");
    assert!(
        found
            .iter()
            .any(|f| f.rule == "wait-unseen" && f.message.contains("'two' has no volume at /seq")),
        "{found:#?}"
    );
    assert!(found.iter().any(|f| f.rule == "never-starts"), "{found:#?}");
    let wait = found
        .iter()
        .find(|f| f.rule == "wait-unseen")
        .expect("finding");
    assert_eq!((wait.line, wait.path.as_str()), (14, "pod.yaml"));
}

#[test]
fn post_unseen_when_posting_outside_every_volume() {
    let text = pod(
        "",
        &[("one", "-post_file, /elsewhere/1, -entrypoint, 'true'", SEQ)],
    );
    assert!(rules(&text).contains(&"post-unseen"));
}

#[test]
fn wait_cycle() {
    let text = pod(
        "",
        &[
            (
                "one",
                "-wait_file, /seq/2, -post_file, /seq/1, -entrypoint, 'true'",
                SEQ,
            ),
            (
                "two",
                "-wait_file, /seq/1, -post_file, /seq/2, -entrypoint, 'true'",
                SEQ,
            ),
        ],
    );
    assert_eq!(rules(&text), ["wait-cycle", "wait-cycle"]);
}

#[test]
fn duplicate_post() {
    let text = pod(
        "",
        &[
            ("one", "-post_file, /seq/1, -entrypoint, 'true'", SEQ),
            (
                "two",
                "-wait_file, /seq/1, -post_file, /seq/1, -entrypoint, 'true'",
                SEQ,
            ),
        ],
    );
    assert!(rules(&text).contains(&"duplicate-post"));
}

#[test]
fn first_step_not_gated_when_the_pod_has_sidecars() {
    let volumes = "    - {name: downward, downwardAPI: {items: [{path: ready, fieldRef: {fieldPath: metadata.name}}]}}\n";
    let ungated = pod(
        volumes,
        &[
            ("one", "-post_file, /seq/1, -entrypoint, 'true'", SEQ),
            ("sidecar-db", "!", &[]),
        ],
    );
    assert_eq!(rules(&ungated), ["sidecar-ungated"]);
    let gated = pod(
        volumes,
        &[
            (
                "one",
                "-wait_file, /tekton/downward/ready, -post_file, /seq/1, -entrypoint, 'true'",
                &[("seq", "/seq"), ("downward", "/tekton/downward")],
            ),
            ("sidecar-db", "!", &[]),
        ],
    );
    assert_eq!(rules(&gated), Vec::<&str>::new());
}

#[test]
fn unwrapped_container_in_an_ordered_pod() {
    let text = pod(
        "",
        &[
            ("one", "-post_file, /seq/1, -entrypoint, 'true'", SEQ),
            ("loose", "!", SEQ),
        ],
    );
    assert_eq!(rules(&text), ["unwrapped-container"]);
}

#[test]
fn termination_path_mismatch() {
    let text = pod(
        "",
        &[(
            "one",
            "-post_file, /seq/1, -termination_path, /tekton/termination, -entrypoint, 'true'",
            SEQ,
        )],
    );
    assert_eq!(rules(&text), ["termination-path-mismatch"]);
}
