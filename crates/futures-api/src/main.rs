//! `cargo run -p futures-api`: the guided tour of the concurrent.futures lesson, in the
//! chapter's order.
//!
//! `cargo run -p futures-api -- advise` answers the article's decision tree for your work and
//! shows why on this machine; `--full` uses the article's sizes; `--help` lists everything.

use std::process::ExitCode;

use futures_api::experiments::Flags;
use futures_api::tasks::Task;
use lesson_kit::Tour;
use multiprocessing::pool::{WORKER, worker_main};

fn main() -> ExitCode {
    Tour::new(
        "futures-api",
        "concurrent.futures: one API over threads and processes",
    )
    // The process executor's workers: this program again, `--child pool-worker`.
    .child(WORKER, worker_main::<Task>)
    .main(|flags: Flags| Ok(flags))
}
