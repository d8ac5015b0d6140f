//! # threading-3: a counter that loses no update
//!
//! Threads share their process's memory, so many threads can add to one counter. Reading the count
//! and then writing `count + 1` back is two steps, and another thread can write in between: its
//! update is lost. The threading lesson's `shared` experiment measures how many go missing
//! (`cargo run -p threading -- shared`). Safe Rust will not let you share a plain `u64` between
//! threads, but it does let you make that mistake with an atomic's `load` and `store`.
//!
//! Make `SharedCounter::increment` safe to call from any number of threads at once, and write
//! `count_with_threads`, which starts `threads` threads that each increment one shared counter
//! `increments_per_thread` times and returns the final count.
//!
//! Check it: `cargo run -p exercise-check -- check threading-3` (or `just check threading-3`).
//! Stuck? `cargo run -p exercise-check -- hint threading-3` gives one more hint each time you ask.

use std::sync::atomic::{AtomicU64, Ordering};

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
        // TODO: add one in a single indivisible step (one method of `AtomicU64` does exactly
        // that), or keep the count in a `Mutex<u64>` instead. `load` then `store` is the race.
        todo!("increment the count")
    }

    /// The count so far.
    pub fn get(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }
}

/// Starts `threads` threads that each call `increment` `increments_per_thread` times on one shared
/// counter, waits for them all, and returns the count.
pub fn count_with_threads(threads: usize, increments_per_thread: u64) -> u64 {
    // TODO: share one `SharedCounter` between the threads (`std::thread::scope` lets them borrow it).
    todo!("count with {threads} threads × {increments_per_thread}")
}
