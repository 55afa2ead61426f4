//! Debug breakpoints (`-breakpoint_on_failure`, `-debug_before_step`).
//!
//! A paused step waits for a file that the user's debug script writes next to
//! the post file, holding the exit code to continue with: `.breakpointexit`
//! after a failure, `.beforestepexit` before the command runs. Upstream's
//! "fail" scripts write the code into the file's `.err` twin instead.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::StepConfig;
use crate::events::Events;
use crate::wait::{self, WaitOutcome};

/// Suffix of the file that releases a step paused after a failure.
pub const AFTER_FAILURE: &str = ".breakpointexit";
/// Suffix of the file that releases a step paused before its command.
pub const BEFORE_STEP: &str = ".beforestepexit";

/// How a paused step was released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// The release file holds this exit code (0 when it holds no number, as upstream).
    Continue(i32),
    /// The `.err` twin appeared: fail with this code (1 unless it holds another non-zero one).
    Fail(i32),
}

fn read_code(file: &Path) -> Option<i32> {
    std::fs::read_to_string(file).ok()?.trim().parse().ok()
}

/// How long an empty release file may take to receive its exit code.
const SETTLE: Duration = Duration::from_millis(250);

/// Waits until `<post_file><suffix>` (or its `.err` twin) exists, and returns
/// what it says. `None` when there is no post file to pause next to.
///
/// The debug scripts write with a shell redirection, which creates the file
/// empty for a moment; an empty file is given a short grace to fill in before
/// it counts as "no exit code" (0, as upstream).
pub fn wait_release(events: &mut Events, cfg: &StepConfig, suffix: &str) -> Option<Release> {
    let post = cfg.post_file.as_ref()?;
    let mut name = OsString::from(post.as_os_str());
    name.push(suffix);
    let file = PathBuf::from(name);
    eprintln!(
        "entrypoint: breakpoint: waiting for {} to hold an exit code",
        file.display()
    );
    Some(match wait::wait_for(events, &file, false) {
        Ok(WaitOutcome::Ready) => {
            wait::settle(events, &file, SETTLE);
            Release::Continue(read_code(&file).unwrap_or_else(|| {
                eprintln!(
                    "entrypoint: {} does not hold an exit code; continuing with 0",
                    file.display()
                );
                0
            }))
        }
        Ok(WaitOutcome::PreviousFailed(err)) => {
            wait::settle(events, &err, SETTLE);
            Release::Fail(read_code(&err).filter(|c| *c != 0).unwrap_or(1))
        }
        Err(e) => {
            eprintln!("entrypoint: {e}");
            Release::Fail(1)
        }
    })
}
