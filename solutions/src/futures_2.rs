//! # futures-2: a `map` that stops at the first failure (model answer)
//!
//! Submit everything, then wait for each future in order; at the first error cancel the rest:
//! what closing Python's `map` generator does in its `finally`.

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
    let futures: Vec<TaskFuture<T>> = calls
        .into_iter()
        .map(|call| executor.submit_fn(call).map_err(|_| FutureError::Cancelled))
        .collect::<Result<_, _>>()?;
    let mut results = Vec::with_capacity(futures.len());
    for (i, future) in futures.iter().enumerate() {
        match future.result(None) {
            Ok(value) => results.push(value),
            Err(error) => {
                for later in &futures[i + 1..] {
                    later.cancel();
                }
                return Err(error);
            }
        }
    }
    Ok(results)
}
