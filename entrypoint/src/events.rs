//! One place where the wrapper sleeps: signals (through a signalfd), file
//! system changes (through inotify on directories) and a timeout, multiplexed
//! with `poll(2)`. No threads and no async runtime are involved.
//!
//! Creating [`Events`] blocks every catchable asynchronous signal in the
//! calling thread, so it must happen before any other thread is started: the
//! threads inherit the mask and every signal is then read from the signalfd.
//! Children must get an empty mask back: [`crate::supervise`] clears it between
//! `fork` and `exec` (std's `Command` keeps the parent's mask).

use std::collections::HashSet;
use std::io;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};

/// Signals raised by faults in this process: they stay unblocked.
const SYNCHRONOUS: [Signal; 5] = [
    Signal::SIGSEGV,
    Signal::SIGBUS,
    Signal::SIGFPE,
    Signal::SIGILL,
    Signal::SIGTRAP,
];

/// What woke the wrapper up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A signal number (real-time signals included, hence a raw number).
    Signal(i32),
    /// Something changed in a watched directory: re-check the files of interest.
    FsChange,
    /// The timeout passed to [`Events::next`] elapsed.
    Timeout,
}

/// The signal and file-system event sources of the wrapper.
pub struct Events {
    signals: SignalFd,
    /// `None` when the kernel refused an instance (`fs.inotify.max_user_instances`
    /// is often 128, and a big Pod's steps all wait at once): then files are
    /// polled with a short, growing interval, and an instance is asked for again.
    inotify: Option<Inotify>,
    watched: HashSet<PathBuf>,
    old_mask: SigSet,
    fallback_interval: Duration,
    fallback_wakes: u32,
}

/// First and largest polling interval when inotify is unavailable.
const FALLBACK_FIRST: Duration = Duration::from_millis(1);
const FALLBACK_MAX: Duration = Duration::from_millis(20);

/// Extension for tests and odd file systems: set to `1` to never use inotify.
pub const DISABLE_INOTIFY_ENV: &str = "ENTRYPOINT_DISABLE_INOTIFY";

fn new_inotify() -> Option<Inotify> {
    if std::env::var_os(DISABLE_INOTIFY_ENV).is_some_and(|v| v == "1") {
        return None;
    }
    Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC).ok()
}

impl Events {
    /// Blocks asynchronous signals in this thread and opens the event sources.
    ///
    /// Fails only if the kernel refuses a signalfd; without an inotify instance
    /// the wrapper still works, polling instead.
    pub fn new() -> io::Result<Self> {
        let mut mask = SigSet::all();
        for sig in SYNCHRONOUS {
            mask.remove(sig);
        }
        let old_mask = mask.thread_swap_mask(SigmaskHow::SIG_BLOCK)?;
        let signals = SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)?;
        Ok(Self {
            signals,
            inotify: new_inotify(),
            watched: HashSet::new(),
            old_mask,
            fallback_interval: FALLBACK_FIRST,
            fallback_wakes: 0,
        })
    }

    /// Watches the directory that holds (or will hold) `file`.
    ///
    /// If that directory does not exist yet, the nearest existing ancestor is
    /// watched instead, so that its creation wakes the caller, who then calls
    /// this again. Errors are not fatal: the caller's periodic re-check still
    /// finds the file, only later.
    pub fn watch_parent_of(&mut self, file: &Path) {
        let Some(inotify) = &self.inotify else { return };
        let mut dir = file.parent();
        while let Some(d) = dir {
            let d = if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            };
            if self.watched.contains(d) {
                return;
            }
            let flags = AddWatchFlags::IN_CREATE
                | AddWatchFlags::IN_MOVED_TO
                | AddWatchFlags::IN_CLOSE_WRITE
                | AddWatchFlags::IN_MODIFY
                | AddWatchFlags::IN_ATTRIB
                | AddWatchFlags::IN_DELETE;
            match inotify.add_watch(d, flags) {
                Ok(_) => {
                    self.watched.insert(d.to_path_buf());
                    return;
                }
                Err(Errno::ENOENT | Errno::ENOTDIR) => dir = d.parent(),
                Err(_) => return,
            }
        }
    }

    /// Waits until a signal arrives, a watched directory changes, or `timeout` passes.
    ///
    /// Signals are reported one at a time, before file-system changes.
    pub fn next(&mut self, mut timeout: Duration) -> io::Result<Event> {
        if let Some(sig) = self.read_signal()? {
            return Ok(Event::Signal(sig));
        }
        if self.inotify.is_none() {
            timeout = timeout.min(self.fallback_tick());
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let signals = PollFd::new(self.signals.as_fd(), PollFlags::POLLIN);
            let mut fds = match &self.inotify {
                Some(inotify) => vec![signals, PollFd::new(inotify.as_fd(), PollFlags::POLLIN)],
                None => vec![signals],
            };
            let millis = u16::try_from(left.as_millis().saturating_add(1)).unwrap_or(u16::MAX);
            match poll(&mut fds, PollTimeout::from(millis)) {
                Ok(0) if left.is_zero() => return Ok(Event::Timeout),
                Ok(0) | Err(Errno::EINTR) => continue,
                Ok(_) => {}
                Err(e) => return Err(e.into()),
            }
            let inotify_ready = fds
                .get(1)
                .and_then(PollFd::revents)
                .is_some_and(|r| !r.is_empty());
            drop(fds);
            if let Some(sig) = self.read_signal()? {
                return Ok(Event::Signal(sig));
            }
            if let (true, Some(inotify)) = (inotify_ready, &self.inotify) {
                match inotify.read_events() {
                    Ok(_) | Err(Errno::EAGAIN) => return Ok(Event::FsChange),
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }

    /// Without inotify: the next polling interval (1 ms, growing to 20 ms), and
    /// now and then another try at getting an instance, which finished steps free.
    fn fallback_tick(&mut self) -> Duration {
        self.fallback_wakes = self.fallback_wakes.wrapping_add(1);
        if self.fallback_wakes % 4 == 0 {
            self.inotify = new_inotify();
            self.watched.clear();
        }
        let interval = self.fallback_interval;
        self.fallback_interval = (interval * 2).min(FALLBACK_MAX);
        interval
    }

    /// Whether file changes are delivered as events (false: polling fallback).
    pub fn has_inotify(&self) -> bool {
        self.inotify.is_some()
    }

    fn read_signal(&self) -> io::Result<Option<i32>> {
        match self.signals.read_signal() {
            Ok(Some(info)) => Ok(Some(info.ssi_signo as i32)),
            Ok(None) | Err(Errno::EAGAIN) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        // Give the thread its previous mask back (matters for library users and tests).
        let _ = self.old_mask.thread_set_mask();
    }
}
