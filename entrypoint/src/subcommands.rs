//! Upstream's subcommands: `cp`, `init`, `step-init` and `decode-script`.
//!
//! They prepare a Pod: the init container copies the entrypoint binary into the
//! shared `/tekton/bin` volume and links step names to their status
//! directories; a script step's file is decoded from base64 before it runs.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::Engine;

use crate::cli::CliError;
use crate::paths::TektonPaths;

/// The subcommands upstream's binary offers as its first positional word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subcommand {
    Cp {
        src: PathBuf,
        dst: PathBuf,
    },
    Init {
        src: PathBuf,
        dst: PathBuf,
        steps: Vec<String>,
    },
    StepInit {
        steps: Vec<String>,
    },
    DecodeScript {
        path: PathBuf,
    },
}

/// Reads a subcommand and its arguments (the positional words after the flags).
///
/// A wrong argument count is an invalid-input error naming the subcommand; a
/// word that is no subcommand is a usage error (command arguments go after `--`).
pub fn parse(word: &str, rest: &[String]) -> Result<Subcommand, CliError> {
    let want = |n: usize, shape: &str| {
        if rest.len() == n {
            Ok(())
        } else {
            Err(CliError::Invalid(format!(
                "{word} error: expected {shape}, got {} argument(s)",
                rest.len()
            )))
        }
    };
    match word {
        "cp" => {
            want(2, "<src> <dst>")?;
            Ok(Subcommand::Cp {
                src: rest[0].clone().into(),
                dst: rest[1].clone().into(),
            })
        }
        "init" => {
            if rest.len() < 2 {
                want(2, "<src> <dst> [step names...]")?;
            }
            Ok(Subcommand::Init {
                src: rest[0].clone().into(),
                dst: rest[1].clone().into(),
                steps: rest[2..].to_vec(),
            })
        }
        "step-init" => Ok(Subcommand::StepInit {
            steps: rest.to_vec(),
        }),
        "decode-script" => {
            want(1, "<path>")?;
            Ok(Subcommand::DecodeScript {
                path: rest[0].clone().into(),
            })
        }
        other => Err(CliError::Usage(format!(
            "unexpected argument {other:?}: subcommands are cp, init, step-init and decode-script; \
             command arguments go after --"
        ))),
    }
}

/// Mode of a copied binary: owner write and execute, execute for all.
pub const COPY_MODE: u32 = 0o311;

/// A subcommand failure; printed as `<subcommand> error: <message>`.
#[derive(Debug, thiserror::Error)]
pub enum SubcommandError {
    #[error("{op} {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("{path} does not hold valid base64: {reason}")]
    Base64 { path: PathBuf, reason: String },
    #[error("invalid step name {0:?}: a name must not be empty or contain '/' or NUL")]
    BadStepName(String),
}

fn io_err<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> SubcommandError + 'a {
    move |source| SubcommandError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

/// Copies `src` to `dst` with mode 0311, replacing `dst` if it exists.
pub fn cp(src: &Path, dst: &Path) -> Result<(), SubcommandError> {
    let mut input = fs::File::open(src).map_err(io_err("opening", src))?;
    let mut output = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(COPY_MODE)
        .open(dst)
        .map_err(io_err("creating", dst))?;
    io::copy(&mut input, &mut output).map_err(io_err("copying to", dst))?;
    output.flush().map_err(io_err("writing", dst))?;
    // The umask may have removed bits from the creation mode.
    fs::set_permissions(dst, fs::Permissions::from_mode(COPY_MODE))
        .map_err(io_err("setting the mode of", dst))
}

/// Links `<steps>/<name>` and `<steps>/<index>` to `<run>/<index>/status` for each step.
///
/// Correct links are left alone and stale ones replaced, so running it again
/// (a restarted init container) is harmless.
pub fn step_init(paths: &TektonPaths, steps: &[String]) -> Result<(), SubcommandError> {
    let steps_dir = paths.steps_dir();
    fs::create_dir_all(&steps_dir).map_err(io_err("creating", &steps_dir))?;
    for (index, name) in steps.iter().enumerate() {
        if name.is_empty()
            || name.contains('/')
            || name.contains('\0')
            || name == "."
            || name == ".."
        {
            return Err(SubcommandError::BadStepName(name.clone()));
        }
        let target = paths.run_dir().join(index.to_string()).join("status");
        for link in [steps_dir.join(name), steps_dir.join(index.to_string())] {
            link_to(&target, &link)?;
        }
    }
    Ok(())
}

/// Makes `link` point at `target`: an existing correct link is kept, anything
/// else at that path (a stale link from an earlier Pod layout) is replaced.
fn link_to(target: &Path, link: &Path) -> Result<(), SubcommandError> {
    if fs::read_link(link).is_ok_and(|current| current == target) {
        return Ok(());
    }
    match fs::symlink_metadata(link) {
        Ok(meta) if meta.is_dir() => fs::remove_dir(link).map_err(io_err("replacing", link))?,
        Ok(_) => fs::remove_file(link).map_err(io_err("replacing", link))?,
        Err(_) => {}
    }
    std::os::unix::fs::symlink(target, link).map_err(io_err("linking", link))
}

/// Replaces the base64 content of `path` with the decoded bytes, keeping its mode.
///
/// Line breaks in the encoded text are ignored, as Go's decoder ignores them.
/// The decoded file replaces the original atomically.
pub fn decode_script(path: &Path) -> Result<(), SubcommandError> {
    let encoded = fs::read(path).map_err(io_err("reading", path))?;
    let mode = fs::metadata(path)
        .map_err(io_err("reading", path))?
        .permissions()
        .mode();
    let compact: Vec<u8> = encoded
        .into_iter()
        .filter(|b| *b != b'\n' && *b != b'\r')
        .collect();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|e| SubcommandError::Base64 {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    crate::post::write_atomic(path, &decoded).map_err(|e| SubcommandError::Io {
        op: "writing",
        path: e.path,
        source: e.source,
    })?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(io_err("setting the mode of", path))
}

/// Runs a subcommand; returns the process exit status after printing one line.
pub fn run(sub: &Subcommand, paths: &TektonPaths) -> i32 {
    let (name, result) = match sub {
        Subcommand::Cp { src, dst } => ("cp", cp(src, dst)),
        Subcommand::Init { src, dst, steps } => {
            ("init", cp(src, dst).and_then(|()| step_init(paths, steps)))
        }
        Subcommand::StepInit { steps } => ("step-init", step_init(paths, steps)),
        Subcommand::DecodeScript { path } => ("decode-script", decode_script(path)),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("entrypoint: {name} error: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp_sets_mode_0311() {
        let dir = tempfile::tempdir().unwrap();
        let (src, dst) = (dir.path().join("src"), dir.path().join("dst"));
        fs::write(&src, "binary").unwrap();
        cp(&src, &dst).unwrap();
        assert_eq!(
            fs::metadata(&dst).unwrap().permissions().mode() & 0o7777,
            0o311
        );
        // A second copy over the first works (owner can write).
        cp(&src, &dst).unwrap();
    }

    #[test]
    fn step_init_links_names_and_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let paths = TektonPaths::new(dir.path());
        let steps = ["step-a".to_string(), "step-b".to_string()];
        step_init(&paths, &steps).unwrap();
        step_init(&paths, &steps).unwrap();
        let link = fs::read_link(dir.path().join("steps/step-b")).unwrap();
        assert_eq!(link, dir.path().join("run/1/status"));
        assert_eq!(
            fs::read_link(dir.path().join("steps/0")).unwrap(),
            dir.path().join("run/0/status")
        );
        assert!(step_init(&paths, &["../x".to_string()]).is_err());
    }

    #[test]
    fn decode_keeps_mode() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("script-0");
        fs::write(&script, "IyEvYmluL3NoCmVjaG8g\naGk=\n").unwrap();
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        decode_script(&script).unwrap();
        assert_eq!(fs::read_to_string(&script).unwrap(), "#!/bin/sh\necho hi");
        assert_eq!(
            fs::metadata(&script).unwrap().permissions().mode() & 0o777,
            0o755
        );
        fs::write(&script, "not base64!").unwrap();
        assert!(decode_script(&script)
            .unwrap_err()
            .to_string()
            .contains("base64"));
    }
}
