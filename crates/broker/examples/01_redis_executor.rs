//! The Python this mirrors: Dask's `concurrent.futures` executor on a cluster,
//!
//! ```python
//! with Client(cluster) as client, client.get_executor() as executor:
//!     results = list(executor.map(heavy_compute, [n] * 8))
//! ```
//!
//! here with a local redis-server and two workers of this very program (run with `worker`, as
//! `cargo run -p broker -- worker` is). Run: `cargo run -p broker --example 01_redis_executor`.

use std::process::ExitCode;

use broker::worker::{WorkerArgs, run};
use broker::{LocalRedis, LocalWorkers, RedisExecutor, RedisOptions, WorkerOptions};
use clap::Parser;
use futures_api::tasks::Task;
use futures_api::{Executor, MapOptions};

#[derive(Parser)]
struct Worker {
    #[command(flatten)]
    args: WorkerArgs,
}

fn main() -> anyhow::Result<ExitCode> {
    if std::env::args().nth(1).as_deref() == Some("worker") {
        let Worker { args } = Worker::parse_from(std::env::args().skip(1));
        run::<Task>(&args)?;
        return Ok(ExitCode::SUCCESS);
    }
    if broker::local::redis_server().is_none() {
        eprintln!("redis-server is not installed: sudo apt-get install redis-server");
        return Ok(ExitCode::FAILURE);
    }
    let redis = LocalRedis::start()?;
    let program = std::env::current_exe()?;
    let _workers = LocalWorkers::start(&program, 2, &redis.url(), &WorkerOptions::default())?;

    // ANCHOR: executor
    let options = RedisOptions {
        workers: 2,
        ..RedisOptions::default()
    };
    let executor = RedisExecutor::<Task>::connect(&redis.url(), options)?;
    let tasks = (0..8).map(|_| Task::Countdown(2_000_000));
    for (i, result) in executor.map(tasks, MapOptions::default()).enumerate() {
        let answer = result?;
        println!(
            "task {i}: {} (worker process {})",
            answer.value, answer.ran.pid
        );
    }
    executor.shutdown(true, false);
    // ANCHOR_END: executor
    Ok(ExitCode::SUCCESS)
}
