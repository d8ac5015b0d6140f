//! `compare`: the Python twins run by CPython, beside the same experiments in Rust.
//!
//! Each twin in `python/` prints one JSON object, read into a struct with
//! [`Twins::run`](lesson_kit::Twins::run): a figure it did not print is an error that names it,
//! never a zero. Each comparison is the one shape again: `measure` runs the twin and the Rust
//! side in turns, `--repeat` times (Python, Rust, Python, Rust…), and returns typed figures;
//! `report` writes the outcome, with the article's claims judged on CPython itself.
//!
//! A twin that fails is a problem of its comparison; the other comparisons still run.

pub mod computing;
pub mod cost;
pub mod ending;
pub mod locks;
pub mod pipeline;
pub mod shared;
pub mod signals;
pub mod waiting;

use lesson_kit::twin::comparison;
use lesson_kit::{Outcome, Twins};

use super::Settings;

/// Runs every comparison, in the chapter's order.
pub fn run(settings: &Settings, twins: &Twins) -> anyhow::Result<Vec<Outcome>> {
    Ok(vec![
        comparison(
            "compare-waiting",
            waiting::measure(settings, twins),
            waiting::report,
        ),
        comparison(
            "compare-computing",
            computing::measure(settings, twins),
            computing::report,
        ),
        comparison(
            "compare-shared",
            shared::measure(settings, twins),
            shared::report,
        ),
        comparison("compare-cost", cost::measure(settings, twins), cost::report),
        comparison(
            "compare-pipeline",
            pipeline::measure(settings, twins),
            pipeline::report,
        ),
        comparison(
            "compare-locks",
            locks::measure(settings, twins),
            locks::report,
        ),
        comparison(
            "compare-signals",
            signals::measure(settings, twins),
            signals::report,
        ),
        comparison(
            "compare-ending",
            ending::measure(settings, twins),
            ending::report,
        ),
    ])
}
