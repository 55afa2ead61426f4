use super::*;

fn container(name: &str, args: &[&str], mounts: &[(&str, &str)]) -> Container {
    serde_json::from_value(serde_json::json!({
        "name": name,
        "command": ["/tools/entrypoint"],
        "args": args,
        "volumeMounts": mounts.iter().map(|(v, p)| serde_json::json!({"name": v, "mountPath": p})).collect::<Vec<_>>(),
    }))
    .expect("a container")
}

#[test]
fn reads_flags_in_every_go_form() {
    let words: Vec<String> = [
        "-wait_file",
        "/a",
        "--post_file=/b",
        "-x",
        "--",
        "-wait_file",
        "/c",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(flag_values(&words, "wait_file"), ["/a"]);
    assert_eq!(flag_values(&words, "post_file"), ["/b"]);
}

#[test]
fn resolves_paths_through_mounts_and_sub_paths() {
    let mut c = container("one", &[], &[("steps", "/steps"), ("data", "/data/x")]);
    c.volume_mounts.as_mut().unwrap()[1].sub_path = Some("sub".into());
    let gate = Gate::of(&c);
    assert_eq!(
        gate.locate("/steps/one"),
        Location::Volume {
            volume: "steps".into(),
            path: "one".into()
        }
    );
    assert_eq!(
        gate.locate("/data/x/f"),
        Location::Volume {
            volume: "data".into(),
            path: "sub/f".into()
        }
    );
    assert_eq!(gate.locate("/stepsx/one"), Location::Private);
}

#[test]
fn explains_a_waiter_without_the_volume() {
    let gates = vec![
        Gate::of(&container(
            "one",
            &["-post_file", "/steps/one"],
            &[("steps", "/steps")],
        )),
        Gate::of(&container(
            "two",
            &["-wait_file", "/steps/one"],
            &[("steps", "/stepz")],
        )),
    ];
    assert_eq!(
        explain(&gates, 1, "/steps/one", &|_| false),
        "'two' waits for /steps/one, but 'two' has no volume at /steps, so the file 'one' posts there is not the one 'two' sees"
    );
}
