//! # threading-6: stop the workers cleanly (a model answer)
//!
//! See `exercises/src/threading_6.rs` for the task.

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
        // The flag changes under the lock, so that a waiter cannot check it, miss the change,
        // and then sleep through the notification.
        *self.flag.lock().unwrap() = true;
        // `notify_one` would wake a single worker and leave the others in their pause.
        self.changed.notify_all();
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
        let stop = Arc::new(Event::new());
        // The workers outlive this call, so they share the job by owning it together, not by
        // borrowing it as scoped threads could.
        let job = Arc::new(job);
        let threads = (0..count)
            .map(|number| {
                let (stop, job) = (Arc::clone(&stop), Arc::clone(&job));
                thread::spawn(move || {
                    let mut rounds = 0;
                    while !stop.is_set() {
                        job(number);
                        rounds += 1;
                        // Not `thread::sleep(pause)`: a sleeping worker would learn of the stop
                        // only at the end of its pause.
                        stop.wait_timeout(pause);
                    }
                    rounds
                })
            })
            .collect();
        Self { stop, threads }
    }

    /// Sets the stop event, waits for every worker thread to end, and returns how many times each
    /// ran its job, in the order of the workers: `stop.set()`, then `join()` each thread.
    pub fn shutdown(self) -> Vec<u64> {
        self.stop.set();
        self.threads
            .into_iter()
            .map(|thread| thread.join().expect("a worker thread panicked"))
            .collect()
    }
}
