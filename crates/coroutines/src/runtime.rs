//! The two runtimes the lesson uses, built once here so that every experiment says which it runs on.
//!
//! asyncio has one event loop per thread; tokio's counterpart of that loop is the *current-thread*
//! runtime: every task runs on the thread that called `block_on`. The *multi-thread* runtime is
//! what `#[tokio::main]` builds by default: a pool of worker threads that steal tasks from each
//! other, with no asyncio equivalent. The lesson builds its runtimes by hand rather than with
//! `#[tokio::main]` because the tour itself is a plain synchronous program.

use std::io;

/// asyncio's event loop: one thread, the caller's. `enable_all` turns on the timer and the network
/// driver (a runtime without them panics at the first `sleep`).
pub fn current_thread() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// A current-thread runtime whose clock is paused: `sleep` returns as soon as every task is idle,
/// the clock jumping to the next timer. Same scheduler, virtual time: for the experiments whose
/// figures are counts and orderings, and for the tests.
pub fn paused() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
}

/// `#[tokio::main]`'s runtime with `workers` threads.
pub fn multi_thread(workers: usize) -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max(1))
        .enable_all()
        .build()
}
