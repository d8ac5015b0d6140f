//! # futures-2: a `map` that stops at the first failure
//!
//! Python's `for page in executor.map(fetch, urls):` raises at the first task that failed, and
//! leaving the loop cancels every task that has not started yet. The lesson's `map` does not stop:
//! it hands over each task's `Result` and goes on. Write Python's, with `submit_fn` and the
//! futures it returns:
//!
//! - every call is submitted first, as `map` does, before any result is awaited;
//! - the results come back in the order of `calls`; if all succeed, `Ok` with all of them;
//! - otherwise the error of the *first failed call in that order* (even if a later one failed
//!   sooner), and every call that has not started by then is cancelled (`cancel()` refuses for
//!   those that have: they are left to finish).
//!
//! Check it: `cargo run -p exercise-check -- check futures-2`.
//! Stuck? `cargo run -p exercise-check -- hint futures-2` gives one more hint each time you ask.

use futures_api::{FutureError, TaskFuture, ThreadPoolExecutor};

/// `list(executor.map(call, …))` as Python runs it: every result in order, or the first error.
pub fn map_until_failure<T, F>(
    executor: &ThreadPoolExecutor,
    calls: Vec<F>,
) -> Result<Vec<T>, FutureError>
where
    T: Clone + Send + 'static,
    F: FnOnce() -> Result<T, String> + Send + 'static,
{
    // TODO: submit every call (`executor.submit_fn(call)`; after a shutdown it refuses: map that
    // to `FutureError::Cancelled`), then take the results in order with `result(None)`; at the
    // first `Err`, cancel every future after it and return that error.
    todo!("{} calls, stopping at the first failure", calls.len())
}
