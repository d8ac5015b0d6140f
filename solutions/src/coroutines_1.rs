//! # coroutines-1: gather, in argument order, every failure reported (model answer)

use std::future::Future;

/// Runs every future at once; `results[i]` is the outcome of `futures[i]`.
pub async fn gather<T, F>(futures: Vec<F>) -> Vec<Result<T, String>>
where
    F: Future<Output = Result<T, String>> + Send + 'static,
    T: Send + 'static,
{
    // Every task is started before any is awaited: that is what makes them run at once.
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut results = Vec::with_capacity(handles.len());
    for (index, handle) in handles.into_iter().enumerate() {
        results.push(match handle.await {
            Ok(outcome) => outcome,
            // A `JoinError`: the task panicked (nothing here aborts it).
            Err(_) => Err(format!("task {index} panicked")),
        });
    }
    results
}
