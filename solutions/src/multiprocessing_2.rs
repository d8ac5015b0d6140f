//! # multiprocessing-2: `Pool.map` from `imap_unordered` (a model answer)
//!
//! See `exercises/src/multiprocessing_2.rs` for the task.

use multiprocessing::{Answer, Finished, Pool, Task, TaskError};

/// `pool.map(func, tasks, chunksize)`: every task's result, in the order of `tasks`.
pub fn ordered_map(
    pool: &Pool<Task>,
    tasks: Vec<Task>,
    chunksize: usize,
) -> Vec<Result<Answer, TaskError>> {
    let count = tasks.len();
    let finished = pool.imap_unordered(tasks, chunksize);
    // One empty place per task. Each result fills its own, in whatever order they arrive: this
    // is all `Pool.map` adds to `imap_unordered`, and why it must wait for the slowest task.
    let mut places: Vec<Option<Result<Answer, TaskError>>> = vec![None; count];
    for Finished { index, result, .. } in finished {
        places[index] = Some(result);
    }
    // A place still empty belongs to a task the pool never answered: it shut down first.
    places
        .into_iter()
        .enumerate()
        .map(|(index, place)| place.unwrap_or(Err(TaskError::Cancelled { index })))
        .collect()
}
