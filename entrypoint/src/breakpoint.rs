//! Debug breakpoints (`-breakpoint_on_failure`, `-debug_before_step`).
//!
//! A paused step waits for a file that the user's debug script writes next to
//! the post file, holding the exit code to continue with: `.breakpointexit`
//! after a failure, `.beforestepexit` before the command runs.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::cli::StepConfig;
use crate::events::Events;
use crate::wait;

fn sibling(cfg: &StepConfig, suffix: &str) -> Option<PathBuf> {
    let post = cfg.post_file.as_ref()?;
    let mut name = OsString::from(post.as_os_str());
    name.push(suffix);
    Some(PathBuf::from(name))
}

/// Waits for `file` and reads the exit code it holds; unreadable content counts as 0, as upstream.
fn wait_for_code(events: &mut Events, file: &PathBuf) -> Option<i32> {
    eprintln!("entrypoint: breakpoint: waiting for {}", file.display());
    if let Err(e) = wait::wait_for(events, file, false) {
        eprintln!("entrypoint: {e}");
        return Some(1);
    }
    let text = std::fs::read_to_string(file).unwrap_or_default();
    Some(text.trim().parse().unwrap_or_else(|_| {
        eprintln!(
            "entrypoint: {} does not hold an exit code; continuing with 0",
            file.display()
        );
        0
    }))
}

/// After a failure: waits for `<post_file>.breakpointexit` and returns its exit code.
/// `None` when there is no post file to put the breakpoint next to.
pub fn on_failure(events: &mut Events, cfg: &StepConfig) -> Option<i32> {
    let file = sibling(cfg, ".breakpointexit")?;
    wait_for_code(events, &file)
}

/// Before running: waits for `<post_file>.beforestepexit`. Returns `Some(code)`
/// when the step must end now with that (non-zero) code instead of running.
pub fn before_step(events: &mut Events, cfg: &StepConfig) -> Option<i32> {
    let file = sibling(cfg, ".beforestepexit")?;
    match wait_for_code(events, &file) {
        Some(0) | None => None,
        Some(code) => {
            if let Some(post) = &cfg.post_file {
                let _ = crate::post::write_post(post, true);
            }
            Some(code)
        }
    }
}
