//! `cargo run -p threading`: the guided tour of the threading lesson, in the chapter's order.
//!
//! Each experiment is drawn as soon as it finishes: what was run, a timeline, a table, what the
//! figures say, and the claims held against them. `cargo run -p threading -- waiting` runs one;
//! `--help` lists them all.

use std::process::ExitCode;

use lesson_kit::Tour;
use threading::experiments::{
    compare, computing, cost, ending, locks, pipeline, shared, signals, waiting,
};
use threading::{ending as main_returns, probe};

fn main() -> ExitCode {
    Tour::new("threading", "Threading: threads are for waiting")
        .experiment(
            "waiting",
            "Threads are for waiting: N downloads in turn, then one thread each",
            waiting::measure,
            waiting::report,
        )
        .experiment(
            "computing",
            "…not for computing under a GIL: four countdowns on Rust, GIL and no-GIL threads",
            computing::measure,
            computing::report,
        )
        .experiment(
            "shared",
            "Threads share memory, so they race: one counter, three ways to add one",
            shared::measure,
            shared::report,
        )
        .experiment(
            "cost",
            "What a thread costs: start one, start 10,000, and find where the count stops",
            cost::measure,
            cost::report,
        )
        // Coordinating threads
        .experiment(
            "pipeline",
            "queue.Queue → channels: fetchers, a parser and a writer, with backpressure",
            pipeline::measure,
            pipeline::report,
        )
        .experiment(
            "locks",
            "Lock and RLock → Mutex: locking twice, and two locks in opposite orders",
            locks::measure,
            locks::report,
        )
        .experiment(
            "signals",
            "Event, Condition, Semaphore, Barrier → Condvar, a semaphore, Barrier",
            signals::measure,
            signals::report,
        )
        .experiment(
            "ending",
            "Daemon threads: what happens to a spawned thread when main returns",
            ending::measure,
            ending::report,
        )
        .compare(concat!(env!("CARGO_MANIFEST_DIR"), "/python"), compare::run)
        .child(probe::COMMAND, probe::child::main)
        .child(main_returns::COMMAND, main_returns::main)
        .main(Ok)
}
