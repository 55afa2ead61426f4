//! The custom-task contract checker: `conformance customrun`. It runs a
//! custom-task implementation (an external runner through podsim's
//! protocol, or a controller on a cluster) through every MUST of Tekton's
//! CustomRun contract ([`checks`]) and prints each with pass/fail.
//!
//! The checker does not know what the task does, so a [`profile::Profile`]
//! says which params make it succeed, fail and run until cancelled, and what
//! it does not support.

pub mod checks;
pub mod cli;
#[cfg(feature = "kind")]
pub mod cluster;
mod musts;
pub mod profile;
pub mod target;

pub use checks::{run_all, Verdict};
pub use profile::Profile;
pub use target::{Handle, LocalTarget, Target};
