//! An interrupted lesson leaves nothing behind. `multiprocessing pipeline` (generated images in
//! its scratch folder, a pool of worker processes) and `multiprocessing talking` (a block in
//! /dev/shm, a child process) are sent SIGINT or SIGTERM mid-run, each with `$TMPDIR` pointed at
//! a folder of the test's own: afterwards that folder is empty, /dev/shm holds nothing of theirs
//! and no child of theirs runs. Killed with SIGKILL, which no program can catch, a run leaves its
//! folder; the next start sweeps it.
#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long anything here may take before the test fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(120);

/// A folder of the test's own, as the lesson's `$TMPDIR`.
fn tmpdir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mp-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

fn start(tmpdir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_multiprocessing"))
        .args(args)
        .arg("--json")
        .env("TMPDIR", tmpdir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the lesson starts")
}

/// Waits, a bounded while, until `ready` says the run holds what the test wants to see removed.
fn wait_until(what: &str, lesson: &mut Child, ready: impl Fn() -> bool) {
    let started = Instant::now();
    while !ready() {
        if let Ok(Some(status)) = lesson.try_wait() {
            panic!("the lesson ended ({status}) before {what}");
        }
        assert!(
            started.elapsed() < PATIENCE,
            "no {what} within {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// This run's files in /dev/shm: lesson-kit names them `multiprocessing-PURPOSE-PID-N`.
fn shm_of(pid: u32) -> Vec<PathBuf> {
    let mine = format!("-{pid}-");
    entries(Path::new("/dev/shm"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("multiprocessing-"))
        .filter(|p| p.to_string_lossy().contains(&mine))
        .collect()
}

/// The processes whose parent is `pid`, from /proc.
fn children_of(pid: u32) -> Vec<u32> {
    let parent_of = |stat: String| -> Option<u32> {
        // `pid (name) state ppid …`: the name may hold spaces, so read after its last ')'.
        stat.rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    entries(Path::new("/proc"))
        .into_iter()
        .filter_map(|p| {
            let child: u32 = p.file_name()?.to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(p.join("stat")).ok()?;
            (parent_of(stat)? == pid).then_some(child)
        })
        .collect()
}

/// Whether `pid` still runs (a zombie has ended: it only waits to be reaped).
fn is_running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

fn signal(pid: u32, signal: i32) {
    // Safety: sends a signal to a process this test started; no memory is involved.
    assert_eq!(unsafe { libc::kill(pid as i32, signal) }, 0);
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

/// Interrupts `args` with `signal_number` once `ready` holds, then looks at the disk, /dev/shm
/// and the process table.
fn interrupt(test: &str, args: &[&str], signal_number: i32, ready: fn(&Path, u32) -> bool) {
    let dir = tmpdir(test);
    let mut lesson = start(&dir, args);
    let pid = lesson.id();
    wait_until("a file and a child process", &mut lesson, || {
        ready(&dir, pid) && !children_of(pid).is_empty()
    });
    let children = children_of(pid);
    signal(pid, signal_number);
    let status = wait(&mut lesson);
    assert!(
        !status.success(),
        "{test}: an interrupted run is no success: {status}"
    );
    // Children end with their parent's pipes; give them the moment that takes.
    let started = Instant::now();
    while children.iter().any(|&c| is_running(c)) && started.elapsed() < PATIENCE {
        std::thread::sleep(Duration::from_millis(20));
    }
    let left: Vec<u32> = children.into_iter().filter(|&c| is_running(c)).collect();
    assert!(left.is_empty(), "{test}: children left running: {left:?}");
    assert_eq!(
        entries(&dir),
        Vec::<PathBuf>::new(),
        "{test}: files left in TMPDIR"
    );
    assert_eq!(
        shm_of(pid),
        Vec::<PathBuf>::new(),
        "{test}: /dev/shm entries left"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn holds_images(dir: &Path, _pid: u32) -> bool {
    entries(dir).iter().any(|d| !entries(d).is_empty())
}

fn holds_shared_memory(_dir: &Path, pid: u32) -> bool {
    !shm_of(pid).is_empty()
}

const PIPELINE: &[&str] = &["pipeline", "--full", "--repeat", "5", "--workers", "2"];
const TALKING: &[&str] = &["talking", "--full", "--repeat", "50"];

#[test]
fn sigint_during_the_pipeline_leaves_nothing() {
    interrupt("pipeline-int", PIPELINE, libc::SIGINT, holds_images);
}

#[test]
fn sigterm_during_the_pipeline_leaves_nothing() {
    interrupt("pipeline-term", PIPELINE, libc::SIGTERM, holds_images);
}

#[test]
fn sigint_while_talking_leaves_nothing() {
    interrupt("talking-int", TALKING, libc::SIGINT, holds_shared_memory);
}

#[test]
fn sigterm_while_talking_leaves_nothing() {
    interrupt("talking-term", TALKING, libc::SIGTERM, holds_shared_memory);
}

#[test]
fn a_killed_runs_images_are_swept_at_the_next_start() {
    let dir = tmpdir("pipeline-kill");
    let mut lesson = start(&dir, PIPELINE);
    wait_until("the generated images", &mut lesson, || {
        holds_images(&dir, 0)
    });
    signal(lesson.id(), libc::SIGKILL);
    wait(&mut lesson);
    assert!(
        !entries(&dir).is_empty(),
        "SIGKILL cannot be caught: the folder stays"
    );
    let next = Command::new(env!("CARGO_BIN_EXE_multiprocessing"))
        .arg("--help")
        .env("TMPDIR", &dir)
        .stdout(Stdio::null())
        .status()
        .expect("the next start");
    assert!(next.success());
    assert_eq!(
        entries(&dir),
        Vec::<PathBuf>::new(),
        "the next start swept it"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
