//! # coroutines-2: a task group that cancels the rest on the first failure (model answer)

use std::future::Future;

use tokio::task::JoinSet;

/// Every value in argument order, or the first error (in time), with the other tasks cancelled.
pub async fn task_group<T, F>(futures: Vec<F>) -> Result<Vec<T>, String>
where
    F: Future<Output = Result<T, String>> + Send + 'static,
    T: Send + 'static,
{
    let count = futures.len();
    let mut group = JoinSet::new();
    for (index, future) in futures.into_iter().enumerate() {
        group.spawn(async move { (index, future.await) });
    }
    let mut values: Vec<Option<T>> = (0..count).map(|_| None).collect();
    while let Some(done) = group.join_next().await {
        match done {
            Ok((index, Ok(value))) => values[index] = Some(value),
            // Returning drops `group`, and a dropped JoinSet aborts every task still in it.
            Ok((_, Err(error))) => return Err(error),
            Err(error) => return Err(format!("a task did not finish: {error}")),
        }
    }
    Ok(values.into_iter().flatten().collect())
}
