//! The stop signals of podsim's long-running commands, taken by one thread.
//!
//! A signal handler may do almost nothing safely, so podsim never installs
//! one: the command blocks its stop signals in the main thread before it
//! starts any other (threads inherit the mask), and one thread named
//! `signals` takes them with `sigwait`, where it may lock, cancel runs,
//! print and exit like ordinary code.

use nix::sys::signal::{SigSet, Signal};

/// What stops a run: Ctrl-C, `kill` (or a CI runner's stop), a closed terminal.
pub const STOP: [Signal; 3] = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP];

/// Blocks `signals` in the calling thread and starts the `signals` thread,
/// which calls `on_signal` for each one that arrives until the process ends.
/// Call it before starting other threads: a thread started earlier keeps the
/// default action and would die of the signal instead.
pub fn take(
    signals: &[Signal],
    mut on_signal: impl FnMut(Signal) + Send + 'static,
) -> Result<(), String> {
    let mut set = SigSet::empty();
    for signal in signals {
        set.add(*signal);
    }
    set.thread_block()
        .map_err(|e| format!("cannot block signals: {e}"))?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || loop {
            if let Ok(signal) = set.wait() {
                on_signal(signal);
            }
        })
        .map(drop)
        .map_err(|e| format!("cannot start the signal thread: {e}"))
}
