//! Rules for ordered Pods: the wait/post graph of the containers' entrypoint
//! flags, resolved through each container's own volume mounts
//! ([`crate::runtime::waits`]).

use k8s_openapi::api::core::v1::PodSpec;

use crate::runtime::waits::{explain, Gate, Location};

/// A finding before it is placed in a file: the container it is about.
pub struct Raw {
    /// Container name (the finding is placed at its `name:` line).
    pub container: String,
    /// Rule id.
    pub rule: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

fn is_sidecar(name: &str) -> bool {
    name.starts_with("sidecar-")
}

fn downward_volumes(spec: &PodSpec) -> Vec<String> {
    spec.volumes
        .iter()
        .flatten()
        .filter(|v| v.downward_api.is_some())
        .map(|v| v.name.clone())
        .collect()
}

/// Every ordered-Pod finding of `spec`; nothing when no container waits or
/// posts through the wrapper (the Pod is not ordered).
pub fn check(spec: &PodSpec) -> Vec<Raw> {
    let gates: Vec<Gate> = spec.containers.iter().map(Gate::of).collect();
    if !gates
        .iter()
        .any(|g| !g.waits.is_empty() || !g.posts.is_empty())
    {
        return Vec::new();
    }
    let downward = downward_volumes(spec);
    let on_downward = |g: &Gate, f: &str| matches!(g.locate(f), Location::Volume { volume, .. } if downward.contains(&volume));
    let mut out = Vec::new();
    let steps: Vec<usize> = (0..gates.len())
        .filter(|&k| !is_sidecar(&gates[k].container))
        .collect();
    for (k, container) in spec.containers.iter().enumerate() {
        let gate = &gates[k];
        if !gate.wrapped && !is_sidecar(&gate.container) {
            out.push(Raw {
                container: gate.container.clone(),
                rule: "unwrapped-container",
                message: format!(
                    "container '{}' of an ordered Pod does not run through the entrypoint wrapper, so it neither waits for its turn nor posts when done",
                    gate.container
                ),
                fix: "run its command through the wrapper (command: [/tekton/bin/entrypoint], with -wait_file/-post_file and -entrypoint in args), or name it sidecar-* if it is a sidecar".to_string(),
            });
        }
        if let Some(flag) = &gate.termination_path {
            let declared = container
                .termination_message_path
                .as_deref()
                .unwrap_or("/dev/termination-log");
            if flag != declared {
                out.push(Raw {
                    container: gate.container.clone(),
                    rule: "termination-path-mismatch",
                    message: format!(
                        "'{}' passes -termination_path {flag} but its terminationMessagePath is {declared}: the kubelet never reads what the wrapper writes",
                        gate.container
                    ),
                    fix: format!("make them equal: terminationMessagePath: {flag}"),
                });
            }
        }
    }
    // Two posters of one file.
    for a in 0..gates.len() {
        for b in a + 1..gates.len() {
            for p in &gates[a].posts {
                let here = gates[a].locate(p);
                let same = gates[b].posts.iter().any(|q| {
                    let there = gates[b].locate(q);
                    here == there && here != Location::Private
                });
                if same {
                    out.push(Raw {
                        container: gates[b].container.clone(),
                        rule: "duplicate-post",
                        message: format!(
                            "'{}' and '{}' both post {p}: the step waiting on it may start after the wrong one",
                            gates[a].container, gates[b].container
                        ),
                        fix: "give every step its own post file".to_string(),
                    });
                }
            }
        }
    }
    // Waits nobody can satisfy where the waiter looks.
    let posters_of = |k: usize, f: &str| -> Vec<usize> {
        let here = gates[k].locate(f);
        if here == Location::Private {
            return Vec::new();
        }
        (0..gates.len())
            .filter(|&g| g != k && gates[g].posts.iter().any(|p| gates[g].locate(p) == here))
            .collect()
    };
    for &k in &steps {
        for f in &gates[k].waits {
            if on_downward(&gates[k], f) || !posters_of(k, f).is_empty() {
                continue;
            }
            out.push(Raw {
                container: gates[k].container.clone(),
                rule: "wait-unseen",
                message: explain(&gates, k, f, &|_| false),
                fix: "mount the shared volume at the same mountPath in the waiting and the posting container (check for typos), or wait for the path the poster really writes".to_string(),
            });
        }
        for f in &gates[k].posts {
            if gates[k].locate(f) == Location::Private {
                out.push(Raw {
                    container: gates[k].container.clone(),
                    rule: "post-unseen",
                    message: format!(
                        "'{}' posts {f} outside all of its volumes: no other container can see it",
                        gates[k].container
                    ),
                    fix: "post into a volume the next step mounts at the same path".to_string(),
                });
            }
        }
    }
    // Cycles and steps that can never start.
    let mut started = vec![false; gates.len()];
    loop {
        let mut progress = false;
        for &k in &steps {
            if started[k] {
                continue;
            }
            let can = gates[k]
                .waits
                .iter()
                .all(|f| on_downward(&gates[k], f) || posters_of(k, f).iter().any(|&p| started[p]));
            if can {
                started[k] = true;
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
    let blocked: Vec<usize> = steps.iter().copied().filter(|&k| !started[k]).collect();
    for &k in &blocked {
        let cyclic = in_cycle(k, &gates, &posters_of);
        let (rule, fix) = if cyclic {
            (
                "wait-cycle",
                "break the cycle: the first step must not wait on a later one",
            )
        } else {
            (
                "never-starts",
                "fix the wait it depends on (see the other findings)",
            )
        };
        let file = gates[k]
            .waits
            .iter()
            .find(|f| !on_downward(&gates[k], f) && !posters_of(k, f).iter().any(|&p| started[p]))
            .cloned()
            .unwrap_or_default();
        let why = explain(&gates, k, &file, &|g| blocked.contains(&g));
        out.push(Raw {
            container: gates[k].container.clone(),
            rule,
            message: format!(
                "'{}' can never start (podsim run stops this Pod as stuck): {why}",
                gates[k].container
            ),
            fix: fix.to_string(),
        });
    }
    // Sidecars: the first step waits for the readiness file.
    let has_sidecars = gates.iter().any(|g| is_sidecar(&g.container));
    if has_sidecars {
        if let Some(&first) = steps.iter().find(|&&k| gates[k].wrapped) {
            let gated = gates[first]
                .waits
                .iter()
                .any(|f| on_downward(&gates[first], f) && f.ends_with("/ready"));
            if !gated {
                out.push(Raw {
                    container: gates[first].container.clone(),
                    rule: "sidecar-ungated",
                    message: format!(
                        "the Pod has sidecars but its first step '{}' does not wait for the readiness file: it may run before the sidecars are ready",
                        gates[first].container
                    ),
                    fix: "add -wait_file /tekton/downward/ready (a downwardAPI volume the controller writes READY into) to the first step".to_string(),
                });
            }
        }
    }
    out
}

fn in_cycle(start: usize, gates: &[Gate], posters_of: &dyn Fn(usize, &str) -> Vec<usize>) -> bool {
    let mut stack = vec![start];
    let mut seen = vec![false; gates.len()];
    while let Some(k) = stack.pop() {
        for f in &gates[k].waits {
            for p in posters_of(k, f) {
                if p == start {
                    return true;
                }
                if !seen[p] {
                    seen[p] = true;
                    stack.push(p);
                }
            }
        }
    }
    false
}
