//! # threading-4: a pipeline that keeps at most K items waiting
//!
//! In Python, a producer/consumer pipeline is a `queue.Queue(maxsize=K)` between two kinds of
//! threads: producers `put` the items they make, consumers `get` and process them. Because the
//! queue has a `maxsize`, a producer that gets ahead blocks in `put` until a consumer has taken
//! something: that is *backpressure*, and it keeps the memory of a pipeline flat however fast the
//! producers are. The Rust mirror of that queue is `std::sync::mpsc::sync_channel(K)`: its `send`
//! blocks while K items are waiting. (`mpsc::channel()` is the unbounded queue, `Queue()` with no
//! `maxsize`.)
//!
//! Write `Pipeline::run`, which makes `count` items and processes every one of them:
//!
//! - `producers` threads share out the numbers `0..count`, call `make(n)` once for each number, and
//!   send the items into **one channel bounded to `capacity` items**;
//! - `consumers` threads receive the items and call `process(item)` on each;
//! - it returns every `process` result, in any order, once **every item is processed exactly once**.
//!
//! It must return when the work is done. A Python consumer usually stops at a sentinel (`None`)
//! put after the last item; a Rust receiver needs none: its loop ends by itself once *every*
//! `Sender` is gone. Every one: a `Sender` kept alive by mistake, even one no thread sends on, keeps
//! the consumers waiting forever (the checks stop a run that takes 5 seconds). `producers`,
//! `consumers` and `capacity` are at least 1 (treat 0 as 1; careful: a Python `maxsize` of 0 means
//! "unbounded", and a Rust `sync_channel(0)` means "no room at all").
//!
//! Check it: `cargo run -p exercise-check -- check threading-4` (or `just check threading-4`).
//! Stuck? `cargo run -p exercise-check -- hint threading-4` gives one more hint each time you ask.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::thread;

/// The shape of a pipeline: how many threads on each side, and how many items may wait between.
#[derive(Debug, Clone, Copy)]
pub struct Pipeline {
    /// How many threads call `make` and send.
    pub producers: usize,
    /// How many threads receive and call `process`.
    pub consumers: usize,
    /// How many items may wait in the channel: `queue.Queue(maxsize=capacity)`.
    pub capacity: usize,
}

impl Pipeline {
    /// Makes the items `make(0)`, …, `make(count - 1)` on the producer threads, processes each on
    /// a consumer thread, and returns the results of `process`, in any order.
    pub fn run<T, R>(
        &self,
        count: usize,
        make: impl Fn(usize) -> T + Sync,
        process: impl Fn(T) -> R + Sync,
    ) -> Vec<R>
    where
        T: Send,
        R: Send,
    {
        // TODO: make one bounded channel, start the producer threads and the consumer threads
        // (`std::thread::scope` lets them borrow `make` and `process`), and collect what the
        // consumers return. Before you wait for the consumers, ask yourself which `Sender`s are
        // still alive: a consumer's loop ends only when none is.
        todo!(
            "make and process {count} items through a channel of {}",
            self.capacity
        )
    }
}
