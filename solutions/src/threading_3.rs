//! # threading-3: a counter that loses no update (a model answer)
//!
//! See `exercises/src/threading_3.rs` for the task.

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

/// A counter that many threads can increment at once.
#[derive(Debug, Default)]
pub struct SharedCounter {
    count: AtomicU64,
}

impl SharedCounter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one, without losing any other thread's update.
    pub fn increment(&self) {
        // One read-modify-write the hardware does indivisibly: no other thread can write between
        // the read and the write. Relaxed ordering is enough, as the count guards no other data;
        // a `Mutex<u64>` would be correct too, and slower under contention.
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// The count so far.
    pub fn get(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }
}

/// Starts `threads` threads that each call `increment` `increments_per_thread` times on one shared
/// counter, waits for them all, and returns the count.
pub fn count_with_threads(threads: usize, increments_per_thread: u64) -> u64 {
    let counter = SharedCounter::new();
    thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                for _ in 0..increments_per_thread {
                    counter.increment();
                }
            });
        }
    });
    counter.get()
}
