//! The causal order of what the observer is told about steps: exits arrive
//! from one waiter thread per process, in whatever order those threads are
//! scheduled, while a step can only have ended after every step whose post
//! file it waits on. A step's end is held back until the ends it depends on
//! were reported, a step is shown running before it is shown ended, and the
//! next step is shown running once its predecessors' ends are out.

use k8s_openapi::api::core::v1::Container;

use crate::runtime::controller::{Observer, State};
use crate::runtime::waits::{Gate, Location};

pub(super) struct ViewOrder {
    /// Step containers, in step order.
    steps: Vec<usize>,
    /// For each container, the step containers whose post files it waits on.
    deps: Vec<Vec<usize>>,
    shown_running: Vec<bool>,
    held: Vec<Option<State>>,
    reported: Vec<bool>,
}

impl ViewOrder {
    /// The order for `containers`, of which `steps` (container indices, in
    /// step order) are the steps; dependencies come from the wait/post graph
    /// resolved through each container's mounts.
    pub fn new(containers: &[Container], steps: Vec<usize>) -> Self {
        let gates: Vec<Gate> = containers.iter().map(Gate::of).collect();
        let deps = gates
            .iter()
            .map(|gate| {
                steps
                    .iter()
                    .copied()
                    .filter(|&s| gate.container != gates[s].container)
                    .filter(|&s| {
                        gate.waits.iter().any(|w| {
                            let here = gate.locate(w);
                            gates[s].posts.iter().any(|p| {
                                let there = gates[s].locate(p);
                                match (&here, &there) {
                                    (Location::Private, _) | (_, Location::Private) => p == w,
                                    _ => here == there,
                                }
                            })
                        })
                    })
                    .collect()
            })
            .collect();
        let n = containers.len();
        Self {
            steps,
            deps,
            shown_running: vec![false; n],
            held: vec![None; n],
            reported: vec![false; n],
        }
    }

    /// Step container `k` runs now (its turn came): shown unless it was.
    pub fn running(&mut self, k: usize, name: &str, observer: &mut dyn Observer) {
        if !self.shown_running[k] && !self.reported[k] {
            self.shown_running[k] = true;
            observer.state(name, &State::Running);
        }
    }

    /// Step container `k` ended as `state`; reported as soon as causality allows.
    pub fn ended(
        &mut self,
        k: usize,
        state: State,
        containers: &[Container],
        observer: &mut dyn Observer,
    ) {
        self.held[k] = Some(state);
        self.flush(containers, observer, false);
    }

    /// Reports every held end whose dependencies are out (all of them, in
    /// step order, with `force`: the attempt is over), then shows running
    /// the steps whose predecessors have all been reported ended.
    pub fn flush(&mut self, containers: &[Container], observer: &mut dyn Observer, force: bool) {
        loop {
            let ready = self.steps.iter().copied().find(|&k| {
                self.held[k].is_some()
                    && !self.reported[k]
                    && (force || self.deps[k].iter().all(|&d| self.reported[d]))
            });
            let Some(k) = ready else { break };
            let name = &containers[k].name;
            self.running(k, name, observer);
            if let Some(state) = self.held[k].take() {
                observer.state(name, &state);
            }
            self.reported[k] = true;
        }
        if force {
            return;
        }
        for i in 0..self.steps.len() {
            let k = self.steps[i];
            // Without a wait on another step (a container that is not
            // wrapped), the turn comes when the step before it was reported.
            let turn = if self.deps[k].is_empty() {
                i > 0 && self.reported[self.steps[i - 1]]
            } else {
                self.deps[k].iter().all(|&d| self.reported[d])
            };
            if turn && self.held[k].is_none() {
                self.running(k, &containers[k].name, observer);
            }
        }
    }
}
