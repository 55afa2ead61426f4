//! The case list: outcomes of a step, then flags and subcommands, then bad
//! input.

mod inputs;
mod outcomes;
mod subcommands;

use super::case::Case;

/// Every case of the suite, in a fixed order.
pub fn all() -> Vec<Case> {
    let mut cases = outcomes::cases();
    cases.extend(subcommands::cases());
    cases.extend(inputs::cases());
    cases
}

/// A step writing its post file to `{sb}/out` and its termination message to
/// `{sb}/termination` and its metadata to `{sb}/meta` (as every Pod the
/// controller builds does), with `extra` flags, running `command` (first word as
/// `-entrypoint`, the rest after `--`).
pub(super) fn step(name: &'static str, extra: &[&str], command: &[&str]) -> Case {
    let mut args = vec![
        "-post_file",
        "{sb}/out",
        "-termination_path",
        "{sb}/termination",
        "-step_metadata_dir",
        "{sb}/meta",
    ];
    args.extend_from_slice(extra);
    if let Some((first, rest)) = command.split_first() {
        args.push("-entrypoint");
        args.push(first);
        args.push("--");
        args.extend_from_slice(rest);
    }
    Case::new(name, &args)
}

/// A step running `sh -c script`.
pub(super) fn sh(name: &'static str, extra: &[&str], script: &str) -> Case {
    let script: &'static str = Box::leak(script.to_string().into_boxed_str());
    step(name, extra, &["sh", "-c", script])
}
