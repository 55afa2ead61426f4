//! `entrypoint`: a Tekton-compatible step wrapper. See the crate docs.

fn main() {
    let mut args = Vec::new();
    for (i, arg) in std::env::args_os().enumerate().skip(1) {
        match arg.into_string() {
            Ok(arg) => args.push(arg),
            Err(arg) => {
                eprintln!(
                    "entrypoint: argument {i} is not valid UTF-8: {}",
                    arg.to_string_lossy()
                );
                entrypoint::step::fail_early(
                    entrypoint::goflag::find_value(&args, "post_file").map(Into::into),
                );
                std::process::exit(1);
            }
        }
    }
    std::process::exit(entrypoint::app::main_with(&args));
}
