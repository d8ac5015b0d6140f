//! A worker process dies: its task comes back as `BrokenPool`, the other tasks finish.
//!
//! Python: a task that crashes its process (a segfault in C code, the OOM killer) makes
//! `ProcessPoolExecutor` raise `BrokenProcessPool`; `multiprocessing.Pool` would wait forever for
//! that task (bpo-22393). A task's own error is different: it comes back as that task's error.
//! Run it: `cargo run -p multiprocessing --example 07_a_worker_dies`

use std::process::ExitCode;

use lesson_kit::tour::serve_child;
use multiprocessing::pool::{WORKER, worker_main};
use multiprocessing::{Death, Pool, Task};

fn main() -> anyhow::Result<ExitCode> {
    if let Some(exit) = serve_child("07_a_worker_dies", &[(WORKER, worker_main::<Task>)]) {
        return Ok(exit);
    }
    let pool = Pool::<Task>::new(2)?;
    // ANCHOR: apply_async
    let failing = pool.apply_async(Task::Fail("bad input".into()));
    println!("a task's own error: {:?}", failing.get());
    // ANCHOR_END: apply_async

    // ANCHOR: dies
    let tasks = vec![
        Task::Nothing,
        Task::Die(Death::Kill),
        Task::Nothing,
        Task::Nothing,
    ];
    for (index, result) in pool.map(tasks).into_iter().enumerate() {
        match result {
            Ok(answer) => println!("task {index}: {answer:?}"),
            Err(error) => println!("task {index}: {error}"),
        }
    }
    // ANCHOR_END: dies
    println!(
        "the pool goes on, with a new worker: {:?}",
        pool.apply_async(Task::Nothing).get()
    );
    Ok(ExitCode::SUCCESS)
}
