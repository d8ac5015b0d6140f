//! CPU work on a process pool: the same `map`, one word changed.
//!
//! Python: `with ProcessPoolExecutor(max_workers=4) as ex: results = list(ex.map(heavy_compute,
//! data))`. Each worker is this program started again, hence the guard at the top of `main`
//! (Python's `if __name__ == "__main__":`).
//! Run it: `cargo run -p futures-api --example 02_process_pool_map`

use std::process::ExitCode;
use std::time::Instant;

use futures_api::tasks::Task;
use futures_api::{Executor, MapOptions, ProcessPoolExecutor};
use multiprocessing::pool::serve_if_worker;

fn main() -> anyhow::Result<ExitCode> {
    if let Some(exit) = serve_if_worker::<Task>() {
        return Ok(exit);
    }
    let started = Instant::now();
    // ANCHOR: map
    let executor = ProcessPoolExecutor::new(4)?;
    let tasks = (0..4).map(|_| Task::Countdown(5_000_000));
    let results: Vec<_> = executor.map(tasks, MapOptions::default()).collect();
    // Leaving the `with` block: shutdown(wait=True), workers stopped.
    drop(executor);
    // ANCHOR_END: map
    for result in &results {
        println!("{:?}", result.as_ref().map(|answer| answer.ran.pid));
    }
    println!("4 countdowns on 4 processes: {:?}", started.elapsed());
    Ok(ExitCode::SUCCESS)
}
