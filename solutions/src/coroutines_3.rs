//! # coroutines-3: at most K at once (model answer)

use std::future::Future;
use std::sync::Arc;

use tokio::sync::Semaphore;

/// Every value, in argument order, with at most `limit` futures running at any moment.
pub async fn gather_limited<T, F>(futures: Vec<F>, limit: usize) -> Vec<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limit.max(1)));
    let handles: Vec<_> = futures
        .into_iter()
        .map(|future| {
            let permits = Arc::clone(&permits);
            tokio::spawn(async move {
                // The permit is held until the future is done, then dropped: the next may start.
                let _permit = permits
                    .acquire_owned()
                    .await
                    .expect("the semaphore is never closed");
                future.await
            })
        })
        .collect();
    let mut values = Vec::with_capacity(handles.len());
    for handle in handles {
        values.push(handle.await.expect("a future panicked"));
    }
    values
}
