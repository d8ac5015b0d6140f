//! One probe at a time: a lock file that a second probe finds taken.
//!
//! Two probes at once (two `cargo test` runs, or a test next to the tour) once took every
//! process id of a machine. So the child takes this lock before its first thread, and a second
//! child that finds it taken starts no thread and says who holds it.
//!
//! On Unix the lock is `flock` on a file in the temp dir: the kernel releases it when the holder
//! exits *for any reason*, an abort included (and the probe's limit run ends in an abort). A lock
//! made of "the file exists" would outlive an aborted probe and refuse every later one. Elsewhere,
//! where there is no `flock` here, the file is created with `create_new` and removed on drop.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The default lock file: one per machine (per temp dir), whichever clone of the course runs.
pub fn default_path() -> PathBuf {
    std::env::temp_dir().join("threading-probe-threads.lock")
}

/// Why the lock was not had.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another thread probe is running ({holder}); run this again when it has finished \
         (lock file: {path})"
    )]
    Busy { holder: String, path: String },
    #[error("could not use the probe's lock file {path}: {source}")]
    Io { path: String, source: io::Error },
}

/// Held while a probe runs; dropping it lets the next probe start.
#[derive(Debug)]
pub struct ProbeLock {
    /// Open for as long as the lock is held: closing it releases the `flock`.
    _file: File,
    /// Elsewhere than Unix, the file is the lock: `Drop` removes it.
    #[cfg(not(unix))]
    path: PathBuf,
}

impl ProbeLock {
    /// Takes the lock at `path`, or says who holds it. Never waits.
    pub fn acquire(path: &Path) -> Result<ProbeLock, LockError> {
        let io_error = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut file = open(path).map_err(|error| match error {
            Opened::Busy(holder) => LockError::Busy {
                holder,
                path: path.display().to_string(),
            },
            Opened::Io(source) => io_error(source),
        })?;
        // Say who holds it, for the message a second probe prints.
        let me = format!("pid {}", std::process::id());
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(me.as_bytes()))
            .map_err(io_error)?;
        Ok(ProbeLock {
            _file: file,
            #[cfg(not(unix))]
            path: path.to_path_buf(),
        })
    }
}

enum Opened {
    Busy(String),
    Io(io::Error),
}

/// What the lock file says about its holder.
fn holder(path: &Path) -> String {
    let mut text = String::new();
    let read = File::open(path).and_then(|mut f| f.read_to_string(&mut text));
    match read {
        Ok(_) if !text.trim().is_empty() => text.trim().to_string(),
        _ => "a process that has not said who it is yet".to_string(),
    }
}

#[cfg(unix)]
fn open(path: &Path) -> Result<File, Opened> {
    use std::os::fd::AsRawFd;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(Opened::Io)?;
    // Safety: the descriptor belongs to `file`, which is open for the whole call.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(file);
    }
    let error = io::Error::last_os_error();
    if error.kind() == io::ErrorKind::WouldBlock {
        Err(Opened::Busy(holder(path)))
    } else {
        Err(Opened::Io(error))
    }
}

#[cfg(not(unix))]
fn open(path: &Path) -> Result<File, Opened> {
    match OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(file) => Ok(file),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Err(Opened::Busy(format!(
            "{}; if no probe is running, delete the file",
            holder(path)
        ))),
        Err(error) => Err(Opened::Io(error)),
    }
}

#[cfg(not(unix))]
impl Drop for ProbeLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_lock(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("threading-{name}-{}.lock", std::process::id()))
    }

    #[test]
    fn a_second_probe_is_refused_while_the_first_holds_the_lock() {
        let path = temp_lock("lock-test");
        let first = ProbeLock::acquire(&path).expect("the first probe gets the lock");
        let second = ProbeLock::acquire(&path).expect_err("the second is refused");
        let message = second.to_string();
        assert!(
            message.contains("another thread probe is running"),
            "{message}"
        );
        assert!(
            message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        drop(first);
        let third = ProbeLock::acquire(&path);
        assert!(third.is_ok(), "free again once the first is dropped");
        drop(third);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn an_unusable_path_is_an_io_error_that_names_it() {
        let path = Path::new("/nonexistent-dir-for-the-probe/lock");
        let error = ProbeLock::acquire(path).expect_err("no such directory");
        assert!(matches!(error, LockError::Io { .. }));
        assert!(
            error
                .to_string()
                .contains("/nonexistent-dir-for-the-probe/lock")
        );
    }
}
