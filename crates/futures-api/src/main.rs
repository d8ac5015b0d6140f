//! `cargo run -p futures-api`: the guided tour of the concurrent.futures lesson, in the
//! chapter's order.
//!
//! `cargo run -p futures-api -- advise` answers the article's decision tree for your work and
//! shows why on this machine; `--full` uses the article's sizes; `--help` lists everything.

use std::process::ExitCode;

use futures_api::experiments::{
    Flags, advise, chunksize, compare, completion_order, one_api, pool_size,
};
use futures_api::tasks::Task;
use lesson_kit::Tour;
use multiprocessing::pool::{WORKER, worker_main};

fn main() -> ExitCode {
    Tour::new(
        "futures-api",
        "concurrent.futures: one API over threads and processes",
    )
    .experiment(
        "one-api",
        "One API: the article's two snippets, threads and processes, one word apart",
        one_api::measure,
        one_api::report,
    )
    .experiment(
        "pool-size",
        "The pool size is a concurrency limit: 4, the default, one each, coroutines",
        pool_size::measure,
        pool_size::report,
    )
    .experiment(
        "chunksize",
        "chunksize: many tiny tasks on processes, one per message or in chunks",
        chunksize::measure,
        chunksize::report,
    )
    .experiment(
        "completion-order",
        "as_completed against map: the fastest result first",
        completion_order::measure,
        completion_order::report,
    )
    .experiment(
        "advise",
        "Which tool? The decision tree for your work, shown on this machine",
        advise::measure,
        advise::report,
    )
    .compare(concat!(env!("CARGO_MANIFEST_DIR"), "/python"), compare::run)
    // The process executor's workers: this program again, `--child pool-worker`.
    .child(WORKER, worker_main::<Task>)
    .main(|flags: Flags| Ok(flags))
}
