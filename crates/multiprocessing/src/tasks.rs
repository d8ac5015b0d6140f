//! `Task`: every function this lesson's pool workers can run, one variant each.
//!
//! In Python you hand `pool.map` a function, and it travels by name. Here the pool's workers are
//! this lesson's own binary, so the "functions" are the variants of one enum the binary knows,
//! and [`Job::run`] calls the right one.

use std::path::PathBuf;

use gil_sim::{Interpreter, Mode, Python, work};
use serde::{Deserialize, Serialize};

use crate::images::{Processed, process_image};
use crate::photos::process_photo;
use crate::pool::Job;

/// A task for a worker process.
#[derive(Debug, Serialize, Deserialize)]
pub enum Task {
    /// `process_image(path)`: read, resize, blur and encode one image.
    ProcessImage(PathBuf),
    /// `process_image(path)` on one of the reader's photos, its JPEG written into `out`.
    ProcessPhoto { path: PathBuf, out: PathBuf },
    /// `countdown(n)`, run by the worker's own interpreter, under its own GIL.
    Countdown(u64),
    /// Returns at once: what the pool's own round trip costs.
    Nothing,
    /// Receives these bytes and says how many arrived: what sending data to a worker costs.
    Receive(#[serde(with = "serde_bytes")] Vec<u8>),
    /// Fails with this message: `raise ValueError(message)` in the task.
    Fail(String),
    /// Ends the worker's process, the way a crash would.
    Die(Death),
}

/// Ways a worker process dies in the middle of a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Death {
    /// A Rust panic: the process exits with code 101 (Python: the worker raising `SystemExit`).
    Panic,
    /// `std::process::abort()`: SIGABRT (Python: a C extension that crashes).
    Abort,
    /// SIGKILL, as the kernel's out-of-memory killer sends it.
    Kill,
}

impl Death {
    /// Dies this way, now: the process ends in the middle of its task.
    pub fn now(self) -> ! {
        match self {
            Death::Panic => panic!("this task panics on purpose"),
            Death::Abort => std::process::abort(),
            Death::Kill => {
                // Safety: kill(2) on our own process id; SIGKILL cannot be caught, so nothing of
                // ours runs afterwards.
                unsafe {
                    libc::kill(libc::getpid(), libc::SIGKILL);
                }
                unreachable!("SIGKILL ends the process before kill returns")
            }
        }
    }
}

/// What a task gives back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Answer {
    Image(Processed),
    /// The countdown's result (a checksum of its work).
    Counted(u64),
    Nothing,
    /// How many bytes arrived.
    Received(u64),
}

impl Job for Task {
    type Output = Answer;

    fn run(self) -> Result<Answer, String> {
        match self {
            Task::ProcessImage(path) => process_image(&path)
                .map(Answer::Image)
                .map_err(|e| e.to_string()),
            Task::ProcessPhoto { path, out } => process_photo(&path, &out)
                .map(Answer::Image)
                .map_err(|e| e.to_string()),
            Task::Countdown(n) => Ok(Answer::Counted(countdown_in_own_interpreter(n))),
            Task::Nothing => Ok(Answer::Nothing),
            Task::Receive(bytes) => Ok(Answer::Received(bytes.len() as u64)),
            Task::Fail(message) => Err(message),
            Task::Die(death) => death.now(),
        }
    }
}

/// Each process has its own interpreter and so its own GIL: nobody else in this process wants it.
pub fn countdown_in_own_interpreter(n: u64) -> u64 {
    let interpreter = Interpreter::new(Mode::Cpython312);
    Python::attach(&interpreter, "worker", |py| work::countdown(py, n))
}
