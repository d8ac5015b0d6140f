//! # coroutines-2: a task group that cancels the rest on the first failure
//!
//! `asyncio.gather` passes on the first exception but lets the other coroutines run on, unobserved
//! (cpython#75633). Python 3.11's `asyncio.TaskGroup` does what most people expect instead: when
//! one task fails, the group cancels the others and raises.
//!
//! Write `task_group`: run every future at once; if they all succeed, return their values **in
//! argument order**; as soon as one returns `Err`, return that error **at once** and make sure
//! none of the others runs any further (the checks count, after waiting a long while, how many
//! finished: only those that had finished before the failure may have).
//!
//! Check it: `cargo run -p exercise-check -- check coroutines-2` (or `just check coroutines-2`).
//! Stuck? `cargo run -p exercise-check -- hint coroutines-2` gives one more hint each time you ask.

use std::future::Future;

/// Every value in argument order, or the first error (in time), with the other tasks cancelled.
pub async fn task_group<T, F>(futures: Vec<F>) -> Result<Vec<T>, String>
where
    F: Future<Output = Result<T, String>> + Send + 'static,
    T: Send + 'static,
{
    // TODO: a `tokio::task::JoinSet` is the group. Remember which index each task is, wait for
    // them in the order they finish, and think about what dropping the set does to the others.
    todo!("run {} futures as a group", futures.len())
}
