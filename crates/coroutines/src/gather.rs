//! `asyncio.gather` and `asyncio.TaskGroup`, rebuilt on tokio: the two ways Python waits for many
//! coroutines, and the one place where they differ, the first failure.
//!
//! - [`gather`] runs every future as a task and returns the results in argument order. The first
//!   failure is returned at once **while the other tasks run on**: nothing cancels them. That is
//!   what `asyncio.gather` does, and what its users expect it not to do (cpython#75633).
//! - [`gather_return_exceptions`] is `gather(..., return_exceptions=True)`: every result, failures
//!   included, in argument order.
//! - [`task_group`] is `async with asyncio.TaskGroup()` (Python 3.11): the first failure cancels
//!   the siblings. Its tokio counterpart is a `JoinSet`, which aborts its tasks when it is dropped.
//!
//! The difference is one type: a `JoinHandle` dropped *detaches* its task, a `JoinSet` dropped
//! *aborts* its tasks (tokio#7222).

use std::collections::HashMap;
use std::future::Future;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::task::{JoinError, JoinSet};

/// Why a gathered future produced no value.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TaskError<E> {
    /// The future returned `Err`: an exception, in Python's words.
    #[error("task {index} failed: {error}")]
    Failed { index: usize, error: E },
    /// The task panicked or was aborted (`JoinError`).
    #[error("task {index} did not finish: {reason}")]
    Died { index: usize, reason: String },
}

impl<E> TaskError<E> {
    /// Which of the gathered futures it was, in argument order.
    pub fn index(&self) -> usize {
        match self {
            TaskError::Failed { index, .. } | TaskError::Died { index, .. } => *index,
        }
    }
}

fn joined<T, E>(index: usize, joined: Result<Result<T, E>, JoinError>) -> Result<T, TaskError<E>> {
    match joined {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(TaskError::Failed { index, error }),
        Err(error) => Err(TaskError::Died {
            index,
            reason: error.to_string(),
        }),
    }
}

/// `await asyncio.gather(*futures)`: every future becomes a task at once; the results come back
/// in argument order. The first failure *in time* is returned as soon as it happens, and the other
/// tasks are not cancelled: their `JoinHandle`s are dropped here, which detaches them.
pub async fn gather<T, E, F>(futures: impl IntoIterator<Item = F>) -> Result<Vec<T>, TaskError<E>>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    // Spawning, not just polling the futures here: a task runs even while nobody awaits it, as a
    // Python coroutine wrapped by `gather` does. (A `join_all` of the bare futures would stop them
    // all the moment this function returned.)
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let count = handles.len();
    // Wait in completion order, so that the first failure is seen when it happens, not when the
    // tasks before it in argument order are done.
    let mut pending: FuturesUnordered<_> = handles
        .into_iter()
        .enumerate()
        .map(|(index, handle)| async move { (index, handle.await) })
        .collect();
    let mut results: Vec<Option<T>> = (0..count).map(|_| None).collect();
    while let Some((index, outcome)) = pending.next().await {
        // `?` returns with the rest of `pending` dropped: their handles detach, the tasks run on.
        results[index] = Some(joined(index, outcome)?);
    }
    Ok(results.into_iter().flatten().collect())
}

/// `await asyncio.gather(*futures, return_exceptions=True)`: every outcome, in argument order.
pub async fn gather_return_exceptions<T, E, F>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<Result<T, TaskError<E>>>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut results = Vec::with_capacity(handles.len());
    // In argument order: every task has to finish anyway, so the order of waiting changes nothing.
    for (index, handle) in handles.into_iter().enumerate() {
        results.push(joined(index, handle.await));
    }
    results
}

/// `async with asyncio.TaskGroup() as group:` one `group.create_task` per future. The first failure
/// cancels the siblings: returning drops the `JoinSet`, and a dropped `JoinSet` aborts every task
/// still in it. Results in argument order.
pub async fn task_group<T, E, F>(
    futures: impl IntoIterator<Item = F>,
) -> Result<Vec<T>, TaskError<E>>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    let mut group = JoinSet::new();
    // Which argument each task is, for a task that dies before it can say so itself.
    let mut indices = HashMap::new();
    for (index, future) in futures.into_iter().enumerate() {
        let task = group.spawn(async move { (index, future.await) });
        indices.insert(task.id(), index);
    }
    let count = indices.len();
    let mut results: Vec<Option<T>> = (0..count).map(|_| None).collect();
    while let Some(outcome) = group.join_next().await {
        match outcome {
            Ok((index, Ok(value))) => results[index] = Some(value),
            // Python raises an ExceptionGroup of every failure; the first is the one that cancels.
            Ok((index, Err(error))) => return Err(TaskError::Failed { index, error }),
            Err(error) => {
                return Err(TaskError::Died {
                    index: indices.get(&error.id()).copied().unwrap_or(count),
                    reason: error.to_string(),
                });
            }
        }
    }
    Ok(results.into_iter().flatten().collect())
}
