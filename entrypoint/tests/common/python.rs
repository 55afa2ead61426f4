//! Running Python 3 as an independent reference implementation (its `zlib`
//! for the compressed termination message).

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `python3 -c script args...` with `input` on stdin and returns its
/// stdout. Returns `None` (the caller skips its test) when python3 is not
/// installed; panics when python3 fails or prints something that is not UTF-8.
pub fn python(script: &str, args: &[&str], input: &str) -> Option<String> {
    let mut child = match Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("skipping: python3 is not installed ({e})");
            return None;
        }
        Err(e) => panic!("cannot start python3: {e}"),
    };
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("write to python3");
    let out = child.wait_with_output().expect("wait for python3");
    assert!(
        out.status.success(),
        "python3 failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("python3 prints UTF-8"))
}
