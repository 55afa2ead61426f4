//! The binary's whole job, minus `main`: parse, dispatch, report.

use crate::cli::{self, CliError, Invocation};
use crate::goflag;
use crate::paths::TektonPaths;
use crate::{step, subcommands};

/// Runs the entrypoint with `args` (without the program name); returns the exit status.
///
/// Usage errors print the message and the usage text and return 2; other
/// errors print one line and return 1. In both cases, when a `-post_file` can
/// be found on the command line, its `.err` is written so later steps skip.
pub fn main_with(args: &[String]) -> i32 {
    let env = |name: &str| std::env::var(name).ok();
    match cli::parse(args, &env) {
        Ok(Invocation::Help) => {
            eprint!("{}", cli::usage());
            0
        }
        Ok(Invocation::Subcommand(sub)) => subcommands::run(&sub, &TektonPaths::from_env()),
        Ok(Invocation::Step(cfg)) => step::run(&cfg),
        Err(e) => {
            eprintln!("entrypoint: {e}");
            if let CliError::Usage(_) = e {
                eprintln!("{}", cli::SHORT_USAGE);
            }
            step::fail_early(goflag::find_value(args, "post_file").map(Into::into));
            e.exit_code()
        }
    }
}
