//! `cargo run -p threading`: the guided tour of the threading lesson, in the chapter's order.
//!
//! Each experiment is drawn as soon as it finishes: what was run, a timeline, a table, what the
//! figures say, and the claims held against them. `cargo run -p threading -- waiting` runs one;
//! `--help` lists them all.

use std::process::ExitCode;

use lesson_kit::Tour;
use threading::experiments::{compare, computing, cost, shared, waiting};
use threading::probe;

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
        .compare(concat!(env!("CARGO_MANIFEST_DIR"), "/python"), compare::run)
        .child(probe::COMMAND, probe::child::main)
        .main(Ok)
}
