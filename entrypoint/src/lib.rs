//! A drop-in replacement for Tekton Pipelines' `entrypoint`: the wrapper that
//! makes a Pod's containers run one after another.
//!
//! Each step's container runs this binary in place of its command. It waits for
//! the previous step's post file (event-driven, not polled), runs the real
//! command as a child in its own process group, forwards signals to it, and
//! writes its own post file (`.err` on failure) and termination message. The
//! behaviour contract is upstream's; extensions and deviations are listed in
//! `docs/compatibility.md`.
//!
//! The crate is a library with a thin binary so that every part can be tested
//! on its own: [`cli`] and [`goflag`] read the command line, [`wait`] and
//! [`events`] wait, [`supervise`] runs the child, [`post`] and [`termination`]
//! report, [`step`] ties a step's life together, [`subcommands`] prepares a Pod.

pub mod app;
pub mod breakpoint;
pub mod cli;
pub mod compress;
pub mod duration;
pub mod events;
pub mod goflag;
pub mod paths;
pub mod platform;
pub mod post;
pub mod results;
pub mod step;
pub mod subcommands;
pub mod substitute;
pub mod supervise;
pub mod tee;
pub mod termination;
pub mod wait;
pub mod when;
