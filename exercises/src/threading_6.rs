//! # threading-6: stop the workers cleanly
//!
//! Background workers that repeat a job until the program shuts down are stopped, in Python, with
//! a `threading.Event`:
//!
//! ```python
//! stop = threading.Event()
//!
//! def worker(number):
//!     rounds = 0
//!     while not stop.is_set():
//!         job(number)
//!         rounds += 1
//!         stop.wait(pause)  # not time.sleep(pause): it returns at once when the event is set
//!     return rounds
//!
//! # shutdown: stop.set(), then join() every worker thread
//! ```
//!
//! Rust's standard library has no `Event`, but it has its two parts: a `Mutex<bool>` for the flag
//! and a `Condvar` (`threading.Condition`) that threads wait on until the flag changes. `Event`
//! below is built from them; `is_set` and `wait_timeout` are written, `set` is yours.
//!
//! Then write `Workers`: `start` starts `count` worker threads that each repeat the job until the
//! event is set, pausing between rounds by *waiting on the event*, so that a worker in the middle of
//! a long pause stops at once; `shutdown` sets the event, joins every worker thread, and returns
//! how many times each ran its job, in the order of the workers. After `shutdown` has returned, no
//! worker thread is left running: none is forgotten, as a daemon thread would be.
//!
//! Check it: `cargo run -p exercise-check -- check threading-6` (or `just check threading-6`).
//! Stuck? `cargo run -p exercise-check -- hint threading-6` gives one more hint each time you ask.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// A flag that threads can wait for: Python's `threading.Event`.
#[derive(Debug, Default)]
pub struct Event {
    /// Whether the event is set. Only ever changes from `false` to `true`.
    flag: Mutex<bool>,
    /// Where threads wait for the flag to change.
    changed: Condvar,
}

impl Event {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the event is set: `Event.is_set()`.
    pub fn is_set(&self) -> bool {
        *self.flag.lock().unwrap()
    }

    /// Sets the event and wakes every thread waiting for it: `Event.set()`.
    pub fn set(&self) {
        // TODO: set the flag, then wake the threads waiting on `changed`, all of them.
        todo!("set the event")
    }

    /// Waits until the event is set or `timeout` has passed, and returns whether it is set:
    /// `Event.wait(timeout)`.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let flag = self.flag.lock().unwrap();
        // Releases the lock while it waits, and checks the flag again at each wake-up: a Condvar
        // may wake a thread for no reason, and the flag may already be set before anyone waits.
        let (flag, _timed_out) = self
            .changed
            .wait_timeout_while(flag, timeout, |is_set| !*is_set)
            .unwrap();
        *flag
    }
}

/// Worker threads that each repeat a job until they are told to stop.
#[derive(Debug)]
pub struct Workers {
    /// Set once, by `shutdown`; every worker waits on it between rounds.
    stop: Arc<Event>,
    /// One per worker, in their order: joining one returns how many times it ran the job.
    threads: Vec<JoinHandle<u64>>,
}

impl Workers {
    /// Starts `count` worker threads. Until the stop event is set, worker `number` (from 0) runs
    /// `job(number)`, then waits up to `pause` for the event; then its thread returns how many
    /// times it ran the job.
    pub fn start(
        count: usize,
        pause: Duration,
        job: impl Fn(usize) + Send + Sync + 'static,
    ) -> Self {
        // TODO: one stop event, shared by the workers; `count` threads, each running the loop of
        // the Python above. The threads outlive this function, so they cannot borrow `job`.
        todo!("start {count} workers")
    }

    /// Sets the stop event, waits for every worker thread to end, and returns how many times each
    /// ran its job, in the order of the workers: `stop.set()`, then `join()` each thread.
    pub fn shutdown(self) -> Vec<u64> {
        // TODO: tell every worker to stop, then join every thread and keep what it returns.
        todo!("stop {} workers", self.threads.len())
    }
}
