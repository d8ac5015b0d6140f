//! # coroutines-1: gather, in argument order, every failure reported
//!
//! `asyncio.gather(*coros, return_exceptions=True)` runs every coroutine at once and returns one
//! outcome per coroutine, **in the order they were given**, whatever order they finished in; a
//! coroutine that raised gives its exception in its place instead of ending the gather.
//!
//! Write its tokio mirror, `gather`: every future must run **at once** (the checks time it on a
//! paused clock: three waits of 100, 200 and 300 ms must take 300 ms, not 600), and the result
//! `results[i]` belongs to `futures[i]`: its `Ok` value, or its `Err` message as it returned it.
//! A future that **panics** must not take the others down: its place gets
//! `Err("task I panicked")` (I its index), and the rest complete.
//!
//! Check it: `cargo run -p exercise-check -- check coroutines-1` (or `just check coroutines-1`).
//! Stuck? `cargo run -p exercise-check -- hint coroutines-1` gives one more hint each time you ask.

use std::future::Future;

/// Runs every future at once; `results[i]` is the outcome of `futures[i]`.
pub async fn gather<T, F>(futures: Vec<F>) -> Vec<Result<T, String>>
where
    F: Future<Output = Result<T, String>> + Send + 'static,
    T: Send + 'static,
{
    // TODO: start every future as a task of its own first, then wait for each one, in order.
    // Awaiting a task gives you a `Result` too: its `Err` means the task panicked.
    todo!("gather {} futures", futures.len())
}
