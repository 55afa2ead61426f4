//! The render oracle: the Pod `podsim render` prints for each TaskRun among
//! examples/tekton and conformance/scenarios, against the Pod upstream
//! Tekton's own code builds for it (compat/render, built by
//! scripts/render-oracle).
//!
//! Both Pods are normalised (generated script names, uid, timestamps, empty
//! values) and compared field by field; every difference is printed by its
//! JSON path. The test passes only when every difference is registered as a
//! `render` path of an `area: render` deviation in compat/deviations.yaml, and
//! fails on a registered path that no TaskRun shows any more (stale). Without
//! the Go toolchain it is skipped with a printed reason, unless
//! `CONFORMANCE_REQUIRE` contains `upstream`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn docs_of(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("read YAML");
    serde_norway::Deserializer::from_str(&text)
        .filter_map(|d| serde::Deserialize::deserialize(d).ok())
        .collect()
}

fn has_kind(path: &Path, kind: &str) -> bool {
    docs_of(path)
        .iter()
        .any(|d| d.get("kind").and_then(Value::as_str) == Some(kind))
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// One TaskRun to render: its file and the Task files beside it.
struct Case {
    name: String,
    taskrun: PathBuf,
    tasks: Vec<PathBuf>,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for dir in ["examples/tekton", "conformance/scenarios"] {
        let files = yaml_files(&root().join(dir));
        let tasks: Vec<PathBuf> = files
            .iter()
            .filter(|f| has_kind(f, "Task") && !has_kind(f, "TaskRun"))
            .cloned()
            .collect();
        for f in files.iter().filter(|f| has_kind(f, "TaskRun")) {
            let stem = f.file_stem().expect("stem").to_string_lossy();
            cases.push(Case {
                name: format!("{dir}/{stem}"),
                taskrun: f.clone(),
                // A Task in the TaskRun's own file is read with it.
                tasks: tasks.clone(),
            });
        }
    }
    cases
}

fn run(cmd: &mut Command, what: &str) -> Vec<u8> {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn podsim_pod(case: &Case) -> Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_podsim"));
    cmd.arg("render").arg(&case.taskrun).args(&case.tasks);
    let out = run(&mut cmd, &format!("podsim render {}", case.name));
    serde_norway::from_slice(&out).expect("podsim render prints YAML")
}

fn oracle_pod(oracle: &Path, case: &Case) -> Value {
    let mut cmd = Command::new(oracle);
    cmd.arg(&case.taskrun).args(&case.tasks);
    let out = run(&mut cmd, &format!("render-oracle {}", case.name));
    serde_json::from_slice(&out).expect("render-oracle prints JSON")
}

/// `/tekton/scripts/script-0-abcde` and `sidecar-script-0-abcde`: the random
/// five-character suffix becomes `XXXXX`.
fn normalise_script_names(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find("script-") {
        let (head, tail) = rest.split_at(at + "script-".len());
        out.push_str(head);
        let digits = tail.chars().take_while(char::is_ascii_digit).count();
        let after = &tail[digits..];
        let suffix: String = after.chars().skip(1).take(5).collect();
        if digits > 0
            && after.starts_with('-')
            && suffix.len() == 5
            && suffix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            out.push_str(&tail[..digits]);
            out.push_str("-XXXXX");
            rest = &after[6..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// Workspace volumes get generated names upstream (`ws-` and five random
/// characters) and `ws-NAME` in podsim: both become `ws(MOUNTPATH)`, the path
/// the steps mount them at. The API server's default
/// `terminationMessagePolicy: File` is dropped where given.
fn normalise_pod(pod: &mut Value) {
    let mut renames = std::collections::BTreeMap::new();
    let spec = &mut pod["spec"];
    for list in ["initContainers", "containers"] {
        for c in spec[list].as_array_mut().into_iter().flatten() {
            if c["terminationMessagePolicy"] == "File" {
                c.as_object_mut()
                    .map(|m| m.remove("terminationMessagePolicy"));
            }
            for m in c["volumeMounts"].as_array_mut().into_iter().flatten() {
                let name = m["name"].as_str().unwrap_or_default().to_string();
                if let (true, Some(path)) = (name.starts_with("ws-"), m["mountPath"].as_str()) {
                    let new = format!("ws({path})");
                    renames.insert(name, new.clone());
                    m["name"] = Value::String(new);
                }
            }
        }
    }
    for v in spec["volumes"].as_array_mut().into_iter().flatten() {
        if let Some(new) = v["name"].as_str().and_then(|n| renames.get(n)) {
            v["name"] = Value::String(new.clone());
        }
    }
    normalise(pod);
}

/// Drops what is random or serialisation noise: nulls, empty maps and lists,
/// `creationTimestamp`, uids; normalises generated script names.
fn normalise(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("creationTimestamp");
            map.remove("uid");
            for v in map.values_mut() {
                normalise(v);
            }
            map.retain(|_, v| !is_empty(v));
            if let Some(Value::String(s)) = map.get_mut("tekton.dev/taskRunUID") {
                *s = "UID".into();
            }
        }
        Value::Array(items) => {
            for v in items.iter_mut() {
                normalise(v);
            }
        }
        Value::String(s) => *s = normalise_script_names(s),
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Lists of objects that all have distinct `name`s are compared by name.
fn by_name(items: &[Value]) -> Option<Vec<(String, &Value)>> {
    let named: Vec<(String, &Value)> = items
        .iter()
        .map(|v| Some((v.get("name")?.as_str()?.to_string(), v)))
        .collect::<Option<_>>()?;
    let distinct: BTreeSet<&String> = named.iter().map(|(n, _)| n).collect();
    (distinct.len() == named.len()).then_some(named)
}

fn lookup<'a>(list: &[(String, &'a Value)], name: &str) -> Option<&'a Value> {
    list.iter().find(|(m, _)| m == name).map(|(_, v)| *v)
}

/// Every difference as `path: ours=... upstream=...`, keyed by path.
fn diff(path: &str, ours: Option<&Value>, theirs: Option<&Value>, out: &mut Vec<(String, String)>) {
    let show = |v: Option<&Value>| v.map_or("<absent>".to_string(), Value::to_string);
    match (ours, theirs) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                diff(&format!("{path}.{k}"), a.get(k), b.get(k), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => match (by_name(a), by_name(b)) {
            (Some(na), Some(nb)) => {
                let order_a: Vec<&String> = na.iter().map(|(n, _)| n).collect();
                let order_b: Vec<&String> = nb.iter().map(|(n, _)| n).collect();
                let common_a: Vec<&&String> =
                    order_a.iter().filter(|n| order_b.contains(n)).collect();
                let common_b: Vec<&&String> =
                    order_b.iter().filter(|n| order_a.contains(n)).collect();
                if common_a != common_b {
                    out.push((
                        format!("{path}(order)"),
                        format!("ours={order_a:?} upstream={order_b:?}"),
                    ));
                }
                let names: BTreeSet<&String> =
                    order_a.iter().chain(order_b.iter()).copied().collect();
                for n in names {
                    diff(&format!("{path}[{n}]"), lookup(&na, n), lookup(&nb, n), out);
                }
            }
            _ if a.iter().all(|v| !v.is_object()) && b.iter().all(|v| !v.is_object()) => {
                if a != b {
                    out.push((
                        path.to_string(),
                        format!("ours={} upstream={}", show(ours), show(theirs)),
                    ));
                }
            }
            _ => {
                for i in 0..a.len().max(b.len()) {
                    diff(&format!("{path}[{i}]"), a.get(i), b.get(i), out);
                }
            }
        },
        (a, b) if a != b => out.push((
            path.to_string(),
            format!("ours={} upstream={}", show(a), show(b)),
        )),
        _ => {}
    }
}

/// The registered render paths: (deviation id, path pattern).
fn registered() -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string(root().join("compat/deviations.yaml")).expect("read deviations");
    let file: Value = serde_norway::from_str(&text).expect("deviations YAML");
    let docs = std::fs::read_to_string(root().join("docs/compatibility.md")).expect("read docs");
    let mut paths = Vec::new();
    for d in file["deviations"].as_array().expect("deviations list") {
        if d["area"] != "render" {
            continue;
        }
        let id = d["id"].as_str().expect("id").to_string();
        let anchor = d["docs"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches('#');
        assert!(
            docs.contains(&format!("<a id=\"{anchor}\"></a>")),
            "{id}: docs/compatibility.md has no row with the anchor #{anchor}"
        );
        for p in d
            .get("render")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            paths.push((id.clone(), p.as_str().expect("render path").to_string()));
        }
    }
    paths
}

#[test]
fn podsim_renders_the_pod_upstream_builds() {
    let Some(oracle) = common::oracle("render_oracle") else {
        return;
    };
    let registered = registered();
    let mut used = BTreeSet::new();
    let mut unregistered = Vec::new();
    let cases = cases();
    assert!(!cases.is_empty(), "no TaskRun found to render");
    for case in &cases {
        let mut ours = podsim_pod(case);
        let mut theirs = oracle_pod(&oracle, case);
        normalise_pod(&mut ours);
        normalise_pod(&mut theirs);
        let mut diffs = Vec::new();
        diff("", Some(&ours), Some(&theirs), &mut diffs);
        println!("{}: {} differences", case.name, diffs.len());
        for (path, what) in diffs {
            let full = format!("{}:{path}", case.name);
            match registered
                .iter()
                .find(|(_, p)| simulator::glob::matches(p, &full))
            {
                Some((id, p)) => {
                    used.insert(p.clone());
                    println!("  registered ({id}) {full}: {what}");
                }
                None => {
                    println!("  UNREGISTERED {full}: {what}");
                    unregistered.push(full);
                }
            }
        }
    }
    let stale: Vec<String> = registered
        .iter()
        .filter(|(_, p)| !used.contains(p))
        .map(|(id, p)| format!("{id}: {p}"))
        .collect();
    assert!(
        unregistered.is_empty(),
        "{} render differences are neither fixed nor registered in compat/deviations.yaml: {unregistered:#?}",
        unregistered.len()
    );
    assert!(
        stale.is_empty(),
        "stale render paths (no longer observed): {stale:#?}"
    );
}

#[test]
fn script_names_lose_their_random_suffix() {
    assert_eq!(
        normalise_script_names(
            "/tekton/scripts/script-0-ab12c and sidecar-script-12-zzzzz; script-x"
        ),
        "/tekton/scripts/script-0-XXXXX and sidecar-script-12-XXXXX; script-x"
    );
}
