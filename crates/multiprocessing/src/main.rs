//! `cargo run -p multiprocessing`: the guided tour of the multiprocessing lesson, in the
//! chapter's order.
//!
//! Each experiment is drawn as soon as it finishes. `cargo run -p multiprocessing -- pipeline`
//! runs one; `--full` uses the article's sizes; `--help` lists everything.

use std::process::ExitCode;

use lesson_kit::Tour;
use multiprocessing::Task;
use multiprocessing::experiments::{Flags, compare, cost, countdown, photos, talking};
use multiprocessing::pool::{WORKER, worker_main};
use multiprocessing::start::{FORK_SERVER, fork_server_main};
use multiprocessing::talk::{TALK, talk_main};

fn main() -> ExitCode {
    Tour::new(
        "multiprocessing",
        "Multiprocessing: processes are for computing",
    )
    .experiment(
        "pipeline",
        "The image pipeline: in turn, in processes, with rayon, on threads under a GIL",
        // With `--dir PATH`, the reader's own photos instead of generated images.
        photos::measure_either,
        photos::report_either,
    )
    .experiment(
        "countdown",
        "Pure computation: threads under one GIL, processes, rayon, Rust threads",
        countdown::measure,
        countdown::report,
    )
    .experiment(
        "cost",
        "What a process costs: fork, fork server, spawn, a pool; memory against a thread",
        cost::measure,
        cost::report,
    )
    .experiment(
        "talking",
        "Talking between processes: a pipe, a queue, shared memory",
        talking::measure,
        talking::report,
    )
    .compare(concat!(env!("CARGO_MANIFEST_DIR"), "/python"), compare::run)
    // The lesson's own child processes: each is this program again, started with
    // `--child NAME` (the mirror of Python's `if __name__ == "__main__":` guard).
    .child(WORKER, worker_main::<Task>)
    .child(FORK_SERVER, fork_server_main)
    .child(TALK, talk_main)
    .main(|flags: Flags| Ok(flags))
}
