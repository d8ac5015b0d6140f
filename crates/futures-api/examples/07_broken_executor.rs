//! A worker process dies under its task, by each of the two policies.
//!
//! Python: `ProcessPoolExecutor` raises `BrokenProcessPool` for that task and for every other
//! one, and is unusable afterwards; `multiprocessing.Pool` starts a new worker and goes on.
//! Run it: `cargo run -p futures-api --example 07_broken_executor`

use std::process::ExitCode;

use futures_api::tasks::{Death, Task};
use futures_api::{Executor, MapOptions, OnBrokenWorker, ProcessPoolExecutor};
use multiprocessing::pool::serve_if_worker;

fn main() -> anyhow::Result<ExitCode> {
    if let Some(exit) = serve_if_worker::<Task>() {
        return Ok(exit);
    }
    for policy in [
        OnBrokenWorker::BreakThePool,
        OnBrokenWorker::ReplaceTheWorker,
    ] {
        // ANCHOR: dies
        let executor = ProcessPoolExecutor::with_policy(2, policy)?;
        let mut tasks: Vec<Task> = (1..=5).map(Task::Square).collect();
        tasks.insert(2, Task::Die(Death::Kill)); // the OOM killer, say
        let results: Vec<_> = executor.map(tasks, MapOptions::default()).collect();
        let after = executor.submit(Task::Square(9)).map(|f| f.result(None));
        // ANCHOR_END: dies
        println!("{policy:?}:");
        for result in results {
            println!("  {:?}", result.map(|answer| answer.value));
        }
        println!(
            "  a task submitted afterwards: {:?}",
            after.map(|r| r.map(|a| a.value))
        );
    }
    Ok(ExitCode::SUCCESS)
}
