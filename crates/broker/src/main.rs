//! `cargo run -p broker`: the tour of the broker lesson (a local redis-server on a free loopback
//! port, workers, the measurements, a worker killed mid-task).
//!
//! `cargo run -p broker -- worker --redis redis://HOST:PORT`: one worker, on this machine or any
//! other that reaches the server. It is not an experiment of the tour: it runs until stopped.

use std::process::ExitCode;

use broker::experiments::images::IMAGE_WORKER;
use broker::experiments::{Flags, compare, cost, images, killed_worker};
use broker::frames::IMAGES;
use clap::Parser;
use futures_api::tasks::Task;
use lesson_kit::Tour;
use multiprocessing::pool::{WORKER, worker_main};

/// `broker worker`: runs tasks from a Redis server until stopped.
#[derive(Parser)]
#[command(name = "broker worker")]
struct Worker {
    #[command(flatten)]
    args: broker::worker::WorkerArgs,
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("worker") {
        // Checked before the tour's own flags: a worker is a long-running service, not a lesson.
        let Worker { args } = Worker::parse_from(std::env::args().skip(1));
        // One worker runs one task type: the queue names which.
        let ran = match args.queue.as_str() {
            IMAGES => broker::worker::run::<multiprocessing::Task>(&args),
            _ => broker::worker::run::<Task>(&args),
        };
        return match ran {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("broker worker: Redis at {}: {e}", args.redis);
                ExitCode::FAILURE
            }
        };
    }
    Tour::new(
        "broker",
        "Beyond one machine: the same Executor on Redis (workers: `broker worker --redis URL`)",
    )
    .experiment(
        "cost",
        "What a trip through Redis costs per task, against the process pool",
        cost::measure,
        cost::report,
    )
    .experiment(
        "images",
        "The image pipeline through Redis: same code, third backend",
        images::measure,
        images::report,
    )
    .experiment(
        "killed-worker",
        "A worker killed mid-task: the task finishes elsewhere",
        killed_worker::measure,
        killed_worker::report,
    )
    .compare(concat!(env!("CARGO_MANIFEST_DIR"), "/python"), compare::run)
    // The process pool's workers, for the comparison: this program again, `--child pool-worker`.
    .child(WORKER, worker_main::<Task>)
    .child(IMAGE_WORKER, worker_main::<multiprocessing::Task>)
    .main(|flags: Flags| Ok(flags))
}
