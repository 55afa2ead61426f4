//! One scenario catalog, run on several runtimes, each judged against the same
//! normalised outcome.
//!
//! A [`catalog::Case`] (a simulator scenario or a hand-written Pod, plus the
//! harness instructions of its sibling `<name>.conformance.yaml`) is planned
//! into a Pod with the simulator's renderer, run by a [`backend::Backend`]
//! (`sim`, `podman`, `kind`), and the backend's TaskRun-shaped status is
//! reduced to an [`outcome::Outcome`]: no timestamps, no ids. Every backend
//! must produce exactly the outcome recorded in the case's snapshot
//! ([`expect`]); [`matrix`] runs cases x backends and [`report`] prints the
//! result.

pub mod backend;
pub mod catalog;
pub mod compat;
pub mod customrun;
pub mod deviations;
pub mod entrypoints;
pub mod expect;
pub mod matrix;
pub mod outcome;
pub mod podspec;
pub mod report;
pub mod tekton;
pub mod timestamp;
