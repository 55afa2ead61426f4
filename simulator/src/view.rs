//! Progress of a run for people: a live view on a terminal (one line per
//! container, updated in place), plain timestamped lines otherwise.

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::plan::RunPlan;
use crate::runtime::controller::{Observer, State};

fn describe(state: &State) -> String {
    match state {
        State::Waiting => "waiting".to_string(),
        State::Running => "running".to_string(),
        State::Ready => "ready".to_string(),
        State::Stopping => "stopping".to_string(),
        State::Ended { reason, exit_code } => format!("{reason} (exit {exit_code})"),
    }
}

fn millis(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

/// One line per state change on stderr: `+0.012s step-a running`.
pub struct PlainView {
    start: Instant,
    since: HashMap<String, Instant>,
}

impl PlainView {
    /// A view whose clock starts now.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            since: HashMap::new(),
        }
    }
}

impl Default for PlainView {
    fn default() -> Self {
        Self::new()
    }
}

impl Observer for PlainView {
    fn attempt(&mut self, attempt: u32, plan: &RunPlan) {
        if attempt > 0 {
            let _ = writeln!(
                std::io::stderr(),
                "+{} attempt {} of {}",
                millis(self.start.elapsed()),
                attempt + 1,
                plan.retries + 1
            );
        }
    }

    fn state(&mut self, container: &str, state: &State) {
        let now = Instant::now();
        let mut line = format!(
            "+{} {container} {}",
            millis(now - self.start),
            describe(state)
        );
        match state {
            State::Running | State::Waiting => {
                self.since.insert(container.to_string(), now);
            }
            State::Ended { .. } => {
                if let Some(t) = self.since.get(container) {
                    line.push_str(&format!(" after {}", millis(now - *t)));
                }
            }
            _ => {}
        }
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

/// indicatif bars, one per container, on stderr.
pub struct LiveView {
    multi: MultiProgress,
    bars: HashMap<String, (ProgressBar, Instant)>,
}

impl LiveView {
    /// A live view drawing on stderr.
    pub fn new() -> Self {
        Self {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: HashMap::new(),
        }
    }

    fn bar(&mut self, container: &str) -> &mut (ProgressBar, Instant) {
        let multi = &self.multi;
        self.bars.entry(container.to_string()).or_insert_with(|| {
            let style = ProgressStyle::with_template("{spinner} {prefix:<40} {msg:<24} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            let bar = multi.add(
                ProgressBar::new_spinner()
                    .with_style(style)
                    .with_prefix(container.to_string()),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
            (bar, Instant::now())
        })
    }
}

impl Default for LiveView {
    fn default() -> Self {
        Self::new()
    }
}

impl Observer for LiveView {
    fn attempt(&mut self, attempt: u32, plan: &RunPlan) {
        if attempt > 0 {
            for (bar, _) in self.bars.values() {
                bar.finish_and_clear();
            }
            self.bars.clear();
            let _ = self
                .multi
                .println(format!("attempt {} of {}", attempt + 1, plan.retries + 1));
        }
    }

    fn state(&mut self, container: &str, state: &State) {
        let (bar, since) = self.bar(container);
        match state {
            State::Running | State::Waiting => {
                *since = Instant::now();
                bar.reset_elapsed();
                bar.set_message(describe(state));
            }
            State::Ended { .. } => {
                let took = millis(since.elapsed());
                bar.set_style(
                    ProgressStyle::with_template("  {prefix:<40} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.finish_with_message(format!("{} after {took}", describe(state)));
            }
            _ => bar.set_message(describe(state)),
        }
    }
}

impl Drop for LiveView {
    fn drop(&mut self) {
        for (bar, _) in self.bars.values() {
            if !bar.is_finished() {
                bar.abandon();
            }
        }
    }
}
