//! Copying the command's stdout or stderr to a file while passing it through.
//!
//! Used for `-stdout_path` and `-stderr_path`. The file is opened in append
//! mode (parents created), so stdout and stderr may share one file and a
//! retried step adds to what is there, as upstream does.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::thread::JoinHandle;

/// Which of the wrapper's own streams the copy is passed through to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Opens `path` for appending, creating it (mode 0644 before the umask, as upstream) and its parents.
pub fn open_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o644)
        .open(path)
}

/// Starts a thread that copies `source` to `stream` and `file` until end of input.
///
/// A failing pass-through (say, a closed stdout) does not stop the copy to the
/// file; a failing file write is reported when the thread is joined, after
/// the pass-through has received everything.
pub fn spawn(
    mut source: impl Read + Send + 'static,
    stream: Stream,
    mut file: File,
) -> JoinHandle<io::Result<()>> {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        let mut pass_through_ok = true;
        let mut file_result = Ok(());
        loop {
            let n = match source.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let chunk = &buf[..n];
            if pass_through_ok {
                pass_through_ok = match stream {
                    Stream::Stdout => io::stdout()
                        .lock()
                        .write_all(chunk)
                        .and_then(|()| io::stdout().flush()),
                    Stream::Stderr => io::stderr().lock().write_all(chunk),
                }
                .is_ok();
            }
            if file_result.is_ok() {
                file_result = file.write_all(chunk);
            }
        }
        file_result
    })
}
