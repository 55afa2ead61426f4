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
    inotify: Inotify,
    watched: HashSet<PathBuf>,
    old_mask: SigSet,
}

impl Events {
    /// Blocks asynchronous signals in this thread and opens the event sources.
    ///
    /// Fails only if the kernel refuses a signalfd or an inotify instance.
    pub fn new() -> io::Result<Self> {
        let mut mask = SigSet::all();
        for sig in SYNCHRONOUS {
            mask.remove(sig);
        }
        let old_mask = mask.thread_swap_mask(SigmaskHow::SIG_BLOCK)?;
        let signals = SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)?;
        let inotify = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC)?;
        Ok(Self {
            signals,
            inotify,
            watched: HashSet::new(),
            old_mask,
        })
    }

    /// Watches the directory that holds (or will hold) `file`.
    ///
    /// If that directory does not exist yet, the nearest existing ancestor is
    /// watched instead, so that its creation wakes the caller, who then calls
    /// this again. Errors are not fatal: the caller's periodic re-check still
    /// finds the file, only later.
    pub fn watch_parent_of(&mut self, file: &Path) {
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
            match self.inotify.add_watch(d, flags) {
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
    pub fn next(&mut self, timeout: Duration) -> io::Result<Event> {
        if let Some(sig) = self.read_signal()? {
            return Ok(Event::Signal(sig));
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let mut fds = [
                PollFd::new(self.signals.as_fd(), PollFlags::POLLIN),
                PollFd::new(self.inotify.as_fd(), PollFlags::POLLIN),
            ];
            let millis = u16::try_from(left.as_millis().saturating_add(1)).unwrap_or(u16::MAX);
            match poll(&mut fds, PollTimeout::from(millis)) {
                Ok(0) if left.is_zero() => return Ok(Event::Timeout),
                Ok(0) | Err(Errno::EINTR) => continue,
                Ok(_) => {}
                Err(e) => return Err(e.into()),
            }
            let inotify_ready = fds[1].revents().is_some_and(|r| !r.is_empty());
            if let Some(sig) = self.read_signal()? {
                return Ok(Event::Signal(sig));
            }
            if inotify_ready {
                match self.inotify.read_events() {
                    Ok(_) | Err(Errno::EAGAIN) => return Ok(Event::FsChange),
                    Err(e) => return Err(e.into()),
                }
            }
        }
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
