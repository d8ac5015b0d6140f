//! An interrupted lesson leaves nothing behind: the `interrupt-me` binary (a `Tour` whose one
//! experiment holds a scratch folder, a /dev/shm file and a child process) is sent SIGINT or
//! SIGTERM mid-run and must leave none of them; killed with SIGKILL, which it cannot catch, it
//! leaves them, and its next start sweeps them.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::Deserialize;

/// How long anything here may take before the test fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(30);

#[derive(Debug, Deserialize)]
struct Holding {
    dir: PathBuf,
    shm: PathBuf,
    child: i32,
}

/// A temporary folder of the test's own, as the lesson's `$TMPDIR`.
fn tmpdir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lesson-kit-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

/// Starts the lesson and waits for the line that says what it holds.
fn start(tmpdir: &Path) -> (Child, Holding) {
    let mut lesson = Command::new(env!("CARGO_BIN_EXE_interrupt-me"))
        .arg("--json")
        .env("TMPDIR", tmpdir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the lesson starts");
    let stdout = lesson.stdout.take().expect("its stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(PATIENCE)
        .expect("the lesson says what it holds");
    let holding: Holding = serde_json::from_str(&line).expect("one JSON line");
    assert!(holding.dir.starts_with(tmpdir), "{holding:?}");
    assert!(holding.dir.join("result.txt").exists());
    assert!(holding.shm.exists());
    assert!(is_running(holding.child));
    (lesson, holding)
}

fn signal(pid: i32, signal: i32) {
    // Safety: sends a signal to a process this test started; no memory is involved.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
}

fn wait(lesson: &mut Child) -> ExitStatus {
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        if let Some(status) = lesson.try_wait().expect("waitable") {
            return status;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = lesson.kill();
    panic!("the lesson did not end within {PATIENCE:?}");
}

/// Whether `pid` runs (a zombie that no one has waited for yet has ended).
fn is_running(pid: i32) -> bool {
    // Safety: signal 0 only checks that the process exists.
    let exists = unsafe { libc::kill(pid, 0) } == 0;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let zombie = stat
        .rsplit_once(')')
        .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
    exists && !zombie
}

/// Waits (boundedly) for the child to end: it is sent SIGTERM as the lesson exits.
fn ended(pid: i32) -> bool {
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        if !is_running(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn interrupted_by(signal_number: i32, test: &str) {
    let tmp = tmpdir(test);
    let (mut lesson, holding) = start(&tmp);
    signal(lesson.id() as i32, signal_number);
    let status = wait(&mut lesson);
    assert_eq!(status.code(), Some(128 + signal_number), "{status:?}");
    assert!(!holding.dir.exists(), "the scratch folder is left");
    assert!(!holding.shm.exists(), "the /dev/shm file is left");
    assert!(ended(holding.child), "the child outlived the lesson");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn sigint_leaves_no_file_no_shared_memory_and_no_child() {
    interrupted_by(libc::SIGINT, "sigint");
}

#[test]
fn sigterm_leaves_no_file_no_shared_memory_and_no_child() {
    interrupted_by(libc::SIGTERM, "sigterm");
}

#[test]
fn what_a_killed_run_left_is_swept_at_the_next_start() {
    let tmp = tmpdir("sigkill");
    let (mut killed, left) = start(&tmp);
    signal(killed.id() as i32, libc::SIGKILL);
    wait(&mut killed);
    // SIGKILL cannot be caught: everything is still there, the child included.
    assert!(left.dir.exists() && left.shm.exists());
    signal(left.child, libc::SIGKILL);

    let (mut next, holding) = start(&tmp);
    assert!(!left.dir.exists(), "the killed run's folder was not swept");
    assert!(
        !left.shm.exists(),
        "the killed run's /dev/shm file was not swept"
    );
    assert!(holding.dir.exists(), "the new run's own folder is kept");
    signal(next.id() as i32, libc::SIGINT);
    wait(&mut next);
    assert!(ended(holding.child));
    let _ = std::fs::remove_dir_all(&tmp);
}
