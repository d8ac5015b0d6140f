//! # coroutines-3: at most K at once
//!
//! `asyncio.gather` over ten thousand downloads opens ten thousand connections at once: the way
//! Python programs hit "too many open files" (cpython#115201). The usual fix is an
//! `asyncio.Semaphore(K)` that each coroutine holds while it works, so that at most K are in
//! flight and the others wait their turn.
//!
//! Write `gather_limited`: run the futures with **never more than `limit` in flight** (a `limit`
//! of 0 counts as 1), as many at once as the limit allows, and return their values **in argument
//! order**. The checks count the futures in flight, so a future counts from its first poll to its
//! end: do not start one before it may run.
//!
//! Check it: `cargo run -p exercise-check -- check coroutines-3` (or `just check coroutines-3`).
//! Stuck? `cargo run -p exercise-check -- hint coroutines-3` gives one more hint each time you ask.

use std::future::Future;

/// Every value, in argument order, with at most `limit` futures running at any moment.
pub async fn gather_limited<T, F>(futures: Vec<F>, limit: usize) -> Vec<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    // TODO: share one `tokio::sync::Semaphore` of `limit` permits between the tasks; each task
    // takes a permit before it starts its future and gives it back when the future is done.
    todo!("run {} futures, {limit} at a time", futures.len())
}
