//! # multiprocessing-2: `Pool.map` from `imap_unordered`
//!
//! Python's `pool.imap_unordered(func, tasks)` hands you each result as soon as a worker process
//! has it, in whatever order they finish; `pool.map(func, tasks)` hands you all of them in the
//! order of the tasks. Write `ordered_map`, the second made from the first: the lesson's `Pool`
//! gives each result of `imap_unordered` as a `Finished`, which carries its task's `index` (its
//! place in `tasks`) and its `result`.
//!
//! - `results[i]` is the result of `tasks[i]`, for any `chunksize` (tasks travel `chunksize` to a
//!   message; the results of one chunk still come back one by one);
//! - a task that fails, or whose worker died, keeps its `Err` at its own index;
//! - a task the pool never answered (it could not run it: no worker was left) gets
//!   `TaskError::Cancelled` with its index, as Python's `terminate()` drops such tasks;
//! - no tasks, no results (and no waiting).
//!
//! Use only `pool.imap_unordered`: the pool's own `map` does this already, and the point is to
//! write it. The workers are separate processes; the checks start the pool for you.
//!
//! Check it: `cargo run -p exercise-check -- check multiprocessing-2`.
//! Stuck? `cargo run -p exercise-check -- hint multiprocessing-2` gives one more hint each time.

use multiprocessing::{Answer, Finished, Pool, Task, TaskError};

/// `pool.map(func, tasks, chunksize)`: every task's result, in the order of `tasks`.
pub fn ordered_map(
    pool: &Pool<Task>,
    tasks: Vec<Task>,
    chunksize: usize,
) -> Vec<Result<Answer, TaskError>> {
    let count = tasks.len();
    let finished = pool.imap_unordered(tasks, chunksize);
    // TODO: `finished` yields one `Finished` per task, in the order the workers finished them.
    // Put each `finished.result` at `finished.index` in a list of `count` results.
    todo!("put the {count} results in the order of the tasks")
}
