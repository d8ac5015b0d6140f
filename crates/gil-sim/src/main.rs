//! `cargo run -p gil-sim`: a GIL you can watch — the guided tour, in the chapter's order.
//!
//! Each experiment is drawn as soon as it finishes: what was run, a timeline, a table with the
//! model's prediction beside each measured row, what the figures say, and the claims held against
//! them. `cargo run -p gil-sim -- convoy` runs one; `--help` lists them all; `compare` puts
//! CPython's figures beside gil-sim's.

use std::process::ExitCode;

use gil_sim::experiments::{
    Flags, GilSettings, compare, convoy, cpu_bound, interpreters, interval_sweep, io_bound, legacy,
    native, race, stampede,
};
use lesson_kit::Tour;

fn main() -> ExitCode {
    Tour::new("gil-sim", "gil-sim: a GIL you can watch")
        .experiment(
            "cpu-bound",
            "CPU-bound threads take turns: sequential, threads under the GIL, no GIL",
            cpu_bound::measure,
            cpu_bound::report,
        )
        .experiment(
            "io-bound",
            "Threads waiting for I/O overlap: the GIL is released while they wait",
            io_bound::measure,
            io_bound::report,
        )
        .experiment(
            "convoy",
            "The convoy effect: an I/O thread waits a switch interval after each call",
            convoy::measure,
            convoy::report,
        )
        .experiment(
            "interval-sweep",
            "The switch interval: shorter means more switches, not more speed",
            interval_sweep::measure,
            interval_sweep::report,
        )
        .experiment(
            "stampede",
            "A stampede: 1,000 threads wake at once and run one at a time",
            stampede::measure,
            stampede::report,
        )
        .experiment(
            "native",
            "Image processing on threads: native code can release the GIL",
            native::measure,
            native::report,
        )
        .experiment(
            "legacy",
            "Before Python 3.2: the old GIL's battle on two cores",
            legacy::measure,
            legacy::report,
        )
        .experiment(
            "race",
            "No GIL is not thread-safe: `counter += 1` loses updates without a lock",
            race::measure,
            race::report,
        )
        .experiment(
            "interpreters",
            "One GIL per interpreter (PEP 684): parallel, but nothing shared",
            interpreters::measure,
            interpreters::report,
        )
        .compare(concat!(env!("CARGO_MANIFEST_DIR"), "/python"), compare::run)
        // The book's GIL model on sliders: every setting, computed once (see `sliders`).
        .child(gil_sim::sliders::COMMAND, gil_sim::sliders::main)
        // The model's costs, measured on this machine once for every experiment.
        .main(|flags: Flags| Ok(GilSettings::calibrated(flags)))
}
