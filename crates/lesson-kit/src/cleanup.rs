//! Nothing left behind, whatever ends a run: the scratch folders and shared-memory files a lesson
//! makes are removed when it is done with them, when it ends, when it is interrupted (Ctrl-C,
//! SIGINT, SIGTERM, a closed terminal's SIGHUP), and, when it was killed outright (SIGKILL, which
//! no program can catch), at the next start.
//!
//! A lesson only asks for its paths: `let dir = cleanup::scratch_dir("images")?;` gives a new,
//! empty folder `$TMPDIR/<lesson>-images-<pid>-<n>`, removed when `dir` is dropped;
//! [`shm_file`] does the same for a file in `/dev/shm` (memory, not disk). Python's
//! `tempfile.TemporaryDirectory()` and `SharedMemory.unlink()` clean up on a normal exit only;
//! an interrupted Python run leaves them, which is what this module is for.
//!
//! How: every path is registered in one list for the process. [`Tour::main`](crate::Tour::main)
//! calls [`install`] once, which
//! 1. sweeps the leftovers of earlier runs of the same lesson whose process is gone: the PID in
//!    each name says whose it was;
//! 2. turns SIGINT, SIGTERM and SIGHUP into a message read by a normal thread (signal-hook), which
//!    removes everything registered, ends this run's child processes, and exits with the status a
//!    shell expects (130 for SIGINT, 143 for SIGTERM). The work is not done in the signal handler
//!    itself: a handler may interrupt a thread that holds the allocator's lock or the list's, so it
//!    may only do async-signal-safe things (set a flag, write to a pipe), which signal-hook's does.
//!
//! Child processes started with [`child_command`](crate::child_command) keep the default actions
//! (an interrupted child just ends): installing a handler starts a thread, and some children (the
//! fork server of the multiprocessing lesson) must stay single-threaded. A child's own scratch
//! files are removed on drop or swept at the next start.

use std::fs;
use std::io;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// The lesson's name, the first part of every path this process makes.
static LESSON: OnceLock<String> = OnceLock::new();
/// What this process has made and not yet removed.
static REGISTRY: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Numbers the paths of one process: `-0`, `-1`…
static NEXT: AtomicU64 = AtomicU64::new(0);

/// The name used before [`install`] or [`name_paths_after`] gave the lesson's (a test, an example).
const UNNAMED: &str = "lesson-kit";

/// A folder or file of this run's, removed when dropped (and at exit, and on a signal: see the
/// module's documentation). Use it as the [`Path`] it derefs to.
#[derive(Debug)]
pub struct Scratch {
    path: PathBuf,
}

impl Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        remove(&self.path);
        registry().retain(|p| *p != self.path);
    }
}

/// A new, empty folder `$TMPDIR/<lesson>-<purpose>-<pid>-<n>`, for files a run writes and reads
/// back (generated images, their results).
pub fn scratch_dir(purpose: &str) -> io::Result<Scratch> {
    let path = std::env::temp_dir().join(new_name(purpose));
    fs::create_dir_all(std::env::temp_dir())?;
    fs::create_dir(&path)?;
    Ok(register(path))
}

/// A new, empty file `/dev/shm/<lesson>-<purpose>-<pid>-<n>` (the temporary folder where there is
/// no `/dev/shm`): shared memory that processes map, as Python's `SharedMemory(create=True)`.
/// Open it for writing and set its length; the name is the one to pass to another process.
pub fn shm_file(purpose: &str) -> io::Result<Scratch> {
    let path = shm_dir().join(new_name(purpose));
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    Ok(register(path))
}

/// Where shared memory lives: `/dev/shm` on Linux, the temporary folder elsewhere.
fn shm_dir() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// Names this process's paths after `lesson`, without the signal handling of [`install`]: for a
/// lesson's child process, which must not start a thread.
pub fn name_paths_after(lesson: &str) {
    let _ = LESSON.set(lesson.to_string());
}

/// Sets up the cleanup of lesson `lesson` (see the module's documentation): sweeps what killed
/// runs left, then removes this run's paths and ends its children on SIGINT, SIGTERM and SIGHUP.
/// Called once by `Tour::main`; a second call changes nothing.
pub fn install(lesson: &str) -> io::Result<()> {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    if INSTALLED.set(()).is_err() {
        return Ok(());
    }
    name_paths_after(lesson);
    sweep();
    on_signal()
}

/// Removes every path this process registered and has not removed yet: at the end of a run, or
/// on a signal.
pub fn remove_all() {
    let paths = std::mem::take(&mut *registry());
    for path in paths {
        remove(&path);
    }
}

fn lesson() -> &'static str {
    LESSON.get().map_or(UNNAMED, String::as_str)
}

fn new_name(purpose: &str) -> String {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{}-{purpose}-{}-{n}", lesson(), std::process::id())
}

fn register(path: PathBuf) -> Scratch {
    registry().push(path.clone());
    Scratch { path }
}

/// The list, even if a thread panicked while holding it (a list of paths cannot be left half
/// changed by a panic).
fn registry() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    REGISTRY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Removes a folder and what is in it, or a file. A folder another thread is still writing into
/// may not be empty at the first attempt: try a few times.
fn remove(path: &Path) {
    for _ in 0..5 {
        let result = if path.is_dir() {
            fs::remove_dir_all(path)
        } else {
            fs::remove_file(path)
        };
        match result {
            Ok(()) => return,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return,
            Err(_) => continue,
        }
    }
}

/// Removes, in the temporary folder and `/dev/shm`, what earlier runs of this lesson left: the
/// paths named `<lesson>-<purpose>-<pid>-<n>` whose process has ended.
fn sweep() {
    let prefix = format!("{}-", lesson());
    for dir in [std::env::temp_dir(), shm_dir()] {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(|n| left_by(n, &prefix)) else {
                continue;
            };
            if pid != std::process::id() && !is_running(pid) {
                remove(&entry.path());
            }
        }
    }
}

/// The PID in `name` if it is one of this lesson's paths: `<prefix><purpose>-<pid>-<n>`.
fn left_by(name: &str, prefix: &str) -> Option<u32> {
    let rest = name.strip_prefix(prefix)?;
    let mut parts = rest.rsplitn(3, '-');
    let n = parts.next()?;
    let pid = parts.next()?;
    let purpose = parts.next()?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(n) && !purpose.is_empty()).then_some(())?;
    pid.parse().ok()
}

/// Whether process `pid` exists (a zombie, ended but not yet waited for, counts as ended).
#[cfg(unix)]
fn is_running(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // Safety: signal 0 checks that the process exists and sends nothing.
    let exists = unsafe { libc::kill(pid, 0) } == 0
        || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    exists && !is_zombie(pid)
}

#[cfg(not(unix))]
fn is_running(_: u32) -> bool {
    true
}

#[cfg(unix)]
fn is_zombie(pid: libc::pid_t) -> bool {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(')')
        .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
}

/// Starts the thread that waits for SIGINT, SIGTERM or SIGHUP, then cleans up and exits.
#[cfg(unix)]
fn on_signal() -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("cleanup-on-signal".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                remove_all();
                end_children();
                // What a shell reports for a program a signal ended: 128 + the signal's number.
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

#[cfg(not(unix))]
fn on_signal() -> io::Result<()> {
    Ok(())
}

/// Sends SIGTERM to every process this one started, and theirs, so that none outlives the run
/// (a worker blocked in a long task would otherwise run on until it next reads its stdin). Read
/// from `/proc` on Linux; elsewhere the children end when they find their stdin closed.
fn end_children() {
    #[cfg(target_os = "linux")]
    for pid in descendants(std::process::id()) {
        // Safety: sends a signal to a process of our own tree; no memory is involved.
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
}

/// The processes below `root`, parents before their children, from each process's parent in
/// `/proc/PID/stat`.
#[cfg(target_os = "linux")]
fn descendants(root: u32) -> Vec<libc::pid_t> {
    let parents: Vec<(libc::pid_t, libc::pid_t)> = fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let pid: libc::pid_t = entry.file_name().to_str()?.parse().ok()?;
            let stat = fs::read_to_string(entry.path().join("stat")).ok()?;
            // "PID (command) STATE PPID …": the command may hold spaces and parentheses.
            let (_, rest) = stat.rsplit_once(')')?;
            let ppid = rest.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut found = vec![root as libc::pid_t];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    found.remove(0);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scratch_dir_is_new_named_by_purpose_and_pid_and_removed_on_drop() {
        let dir = scratch_dir("unit").expect("a scratch dir");
        let name = dir.file_name().and_then(|n| n.to_str()).expect("a name");
        let pid = std::process::id();
        assert!(
            name.starts_with(&format!("{}-unit-{pid}-", lesson())),
            "{name}"
        );
        assert!(dir.is_dir());
        fs::write(dir.join("inside"), b"x").expect("writable");
        let other = scratch_dir("unit").expect("another");
        assert_ne!(*dir, *other, "each call makes a new one");
        let path = dir.to_path_buf();
        drop(dir);
        assert!(!path.exists());
        assert!(!registry().contains(&path), "unregistered once removed");
    }

    #[test]
    fn an_shm_file_exists_empty_in_shared_memory_and_is_removed_on_drop() {
        let file = shm_file("unit").expect("an shm file");
        assert_eq!(fs::metadata(&*file).expect("exists").len(), 0);
        assert_eq!(file.parent(), Some(shm_dir().as_path()));
        let path = file.to_path_buf();
        drop(file);
        assert!(!path.exists());
    }

    #[test]
    fn only_this_lessons_names_with_a_pid_are_swept() {
        let prefix = "multiprocessing-";
        assert_eq!(left_by("multiprocessing-images-4242-0", prefix), Some(4242));
        assert_eq!(left_by("multiprocessing-a-b-4242-17", prefix), Some(4242));
        assert_eq!(
            left_by("multiprocessing-4242-0", prefix),
            None,
            "no purpose"
        );
        assert_eq!(left_by("threading-images-4242-0", prefix), None);
        assert_eq!(left_by("multiprocessing-images-x-0", prefix), None);
        assert_eq!(left_by("multiprocessing-images-4242-", prefix), None);
    }

    #[cfg(unix)]
    #[test]
    fn this_process_is_running_and_an_ended_one_is_not() {
        assert!(is_running(std::process::id()));
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("true runs");
        let pid = child.id();
        child.wait().expect("waited for");
        assert!(!is_running(pid));
    }
}
