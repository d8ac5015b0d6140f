//! `cargo run -p threading`: the guided tour of the threading lesson, in the chapter's order.
//!
//! Each experiment is drawn as soon as it finishes: what was run, a timeline, a table, what the
//! figures say, and the claims held against them. `cargo run -p threading -- waiting` runs one;
//! `--help` lists them all.

use std::process::ExitCode;

use lesson_kit::Tour;
use threading::experiments::waiting;

fn main() -> ExitCode {
    Tour::new("threading", "Threading: threads are for waiting")
        .experiment(
            "waiting",
            "Threads are for waiting: N downloads in turn, then one thread each",
            waiting::measure,
            waiting::report,
        )
        .main(Ok)
}
