//! `compare`: the asyncio twins run by CPython, beside the same experiments in Rust.
//!
//! Each twin in `python/` prints one JSON object, read into a struct with
//! [`Twins::run`](lesson_kit::Twins::run): a figure it did not print is an error that names it,
//! never a zero. Each comparison is the one shape again: `measure` runs the twin and the Rust side
//! in turns, `--repeat` times, and `report` writes the outcome, with the claims judged on CPython.

pub mod blocking;
pub mod cancel;
pub mod chef;
pub mod gather;
pub mod how_many;
pub mod servers;

use lesson_kit::twin::comparison;
use lesson_kit::{Outcome, Twins};

use super::Settings;

/// Runs every comparison, in the chapter's order.
pub fn run(settings: &Settings, twins: &Twins) -> anyhow::Result<Vec<Outcome>> {
    Ok(vec![
        comparison(
            "compare-gather",
            gather::measure(settings, twins),
            gather::report,
        ),
        comparison(
            "compare-how-many",
            how_many::measure(settings, twins),
            how_many::report,
        ),
        comparison(
            "compare-blocking",
            blocking::measure(settings, twins),
            blocking::report,
        ),
        comparison("compare-chef", chef::measure(settings, twins), chef::report),
        comparison(
            "compare-cancel",
            cancel::measure(settings, twins),
            cancel::report,
        ),
        comparison(
            "compare-servers",
            servers::measure(settings, twins),
            servers::report,
        ),
    ])
}
