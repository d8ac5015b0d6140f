//! What a process costs to start, three ways, mirroring Python's three start methods, and what
//! one costs to keep (its memory), against a thread.
//!
//! - **fork** ([`fork_and_wait`]): copy this process. Cheap, since the copy shares every page until
//!   one side writes to it. But only the thread that called `fork` exists in the copy: a lock
//!   another thread held at that instant (inside `malloc`, say) stays locked forever. In a
//!   program with threads, POSIX allows the child only async-signal-safe calls until it `exec`s;
//!   so our forked child calls `_exit` and nothing else. Python 3.14 stopped defaulting to fork
//!   on Linux for this reason.
//! - **forkserver** ([`ForkServer`]): start one single-threaded server process early, and ask it
//!   to fork each worker. A process with one thread can fork safely, and the copy can run
//!   anything.
//! - **spawn** ([`spawn_and_wait`]): start the program afresh and tell the child what to be. The
//!   slowest, and the only one that is safe everywhere and works the same on every OS: our pool
//!   does this, re-executing its own binary.

use std::ffi::OsString;
use std::io;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::frames::{FrameError, read_frame, write_frame};
use crate::pool::WORKER;

/// The child command of the fork server.
pub const FORK_SERVER: &str = "fork-server";

/// Starts this program as a pool worker and waits for it to end: Python's `spawn` start method,
/// minus the interpreter's start and imports. The worker exits at once, its stdin being empty.
pub fn spawn_and_wait(command: &mut Command) -> io::Result<Duration> {
    let started = Instant::now();
    let status = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    let took = started.elapsed();
    if !status.success() {
        return Err(io::Error::other(format!("the child ended badly: {status}")));
    }
    Ok(took)
}

/// The command that starts this program as a pool worker (`spawn`'s child).
pub fn worker_command() -> io::Result<Command> {
    lesson_kit::child_command(WORKER)
}

/// Forks this process and waits for the copy, which exits at once: what Python's `fork` start
/// method pays before the child runs any Python.
#[cfg(unix)]
pub fn fork_and_wait() -> io::Result<Duration> {
    let started = Instant::now();
    // Safety: the child calls only `_exit`, which is async-signal-safe, so it touches no lock
    // another thread of this process might have held when it was copied.
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => Err(io::Error::last_os_error()),
        // Safety: see above; `_exit` skips atexit handlers and Rust's cleanup, which is the point.
        0 => unsafe { libc::_exit(0) },
        child => {
            wait_for(child)?;
            Ok(started.elapsed())
        }
    }
}

#[cfg(unix)]
fn wait_for(pid: libc::pid_t) -> io::Result<()> {
    let mut status = 0;
    loop {
        // Safety: `pid` is a child of ours not yet waited for; `status` is a valid out-pointer.
        if unsafe { libc::waitpid(pid, &mut status, 0) } == pid {
            return Ok(());
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// What the parent asks the fork server for: one frame each on the server's stdin.
#[derive(Debug, Serialize, Deserialize)]
pub enum ForkRequest {
    /// Fork a child, wait for it to exit, and answer [`Forked`].
    Fork,
}

/// The fork server's answer to [`ForkRequest::Fork`], once the forked child has exited.
#[derive(Debug, Serialize, Deserialize)]
pub struct Forked {
    /// The forked child's process id.
    pub pid: i32,
}

/// A fork server: one single-threaded process, started once, that forks a child for every
/// request (Python's `forkserver` start method). Requests and answers are typed frames, as the
/// pool's are: bytes that are not a request end the server, they never fork anything.
pub struct ForkServer {
    child: Child,
    requests: ChildStdin,
    answers: ChildStdout,
}

impl ForkServer {
    /// Starts the server: this program, as its child `fork-server`.
    pub fn start(mut command: Command) -> io::Result<Self> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let missing = || io::Error::other("the fork server's pipes were not set up");
        let requests = child.stdin.take().ok_or_else(missing)?;
        let answers = child.stdout.take().ok_or_else(missing)?;
        Ok(ForkServer {
            child,
            requests,
            answers,
        })
    }

    /// Asks for one forked child and waits until it has exited.
    pub fn fork_one(&mut self) -> io::Result<Duration> {
        let started = Instant::now();
        write_frame(&mut self.requests, &ForkRequest::Fork).map_err(io::Error::other)?;
        let answer: Option<Forked> = read_frame(&mut self.answers).map_err(io::Error::other)?;
        answer.ok_or_else(|| io::Error::other("the fork server ended without answering"))?;
        Ok(started.elapsed())
    }
}

impl Drop for ForkServer {
    fn drop(&mut self) {
        // Killed rather than asked to stop: it holds nothing that could be lost.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server's side: `<program> --child fork-server`. It has one thread (a lesson's child runs
/// no tour), so its forked children may do anything; ours exit at once.
pub fn fork_server_main(_args: Vec<OsString>) -> ExitCode {
    match serve_forks() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("fork server: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Answers each [`ForkRequest`] until stdin closes; anything else on stdin is an error.
fn serve_forks() -> Result<(), FrameError> {
    let (mut requests, mut answers) = (io::stdin().lock(), io::stdout().lock());
    while let Some(ForkRequest::Fork) = read_frame(&mut requests)? {
        let pid = fork_one_child()?;
        write_frame(&mut answers, &Forked { pid })?;
    }
    Ok(())
}

#[cfg(unix)]
fn fork_one_child() -> io::Result<i32> {
    // Safety: as in `fork_and_wait`: the child calls only `_exit`.
    match unsafe { libc::fork() } {
        -1 => Err(io::Error::last_os_error()),
        // Safety: `_exit` is async-signal-safe.
        0 => unsafe { libc::_exit(0) },
        child => wait_for(child).map(|()| child),
    }
}

#[cfg(not(unix))]
fn fork_one_child() -> io::Result<i32> {
    Err(io::Error::other("no fork on this OS"))
}

/// Starts a thread that does nothing and joins it: `threading.Thread(target=f).start(); join()`.
pub fn thread_start_and_join() -> Duration {
    let started = Instant::now();
    // A thread that cannot start is rare and not what is measured here.
    if let Ok(handle) = thread::Builder::new().spawn(|| {}) {
        let _ = handle.join();
    }
    started.elapsed()
}

/// This process's resident memory now, from /proc (Linux), in bytes.
pub fn resident_bytes(pid: u32) -> Option<u64> {
    proc_kib(&format!("/proc/{pid}/status"), "VmRSS:")
}

/// Memory only this process uses (its private pages, clean and dirty): what one more worker
/// really adds, since the program's code is shared by every copy. Linux 4.14+.
pub fn private_bytes(pid: u32) -> Option<u64> {
    let path = format!("/proc/{pid}/smaps_rollup");
    Some(proc_kib(&path, "Private_Clean:")? + proc_kib(&path, "Private_Dirty:")?)
}

fn proc_kib(path: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The resident memory `count` parked threads add to this process, per thread.
pub fn resident_per_thread(count: usize) -> Option<u64> {
    let me = std::process::id();
    let before = resident_bytes(me)?;
    let all_started = Barrier::new(count + 1);
    let release = Barrier::new(count + 1);
    let after = thread::scope(|scope| {
        for _ in 0..count {
            scope.spawn(|| {
                all_started.wait();
                release.wait();
            });
        }
        all_started.wait();
        let after = resident_bytes(me);
        release.wait();
        after
    })?;
    Some(after.saturating_sub(before) / count as u64)
}
