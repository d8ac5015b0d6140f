//! `compare`: the Python twins run by CPython, beside the same experiments in Rust.
//!
//! Each twin in `python/` prints one JSON object, read into a struct with
//! [`Twins::run`](lesson_kit::Twins::run): a figure it did not print is an error that names it,
//! never a zero. Each comparison is the one shape again: `measure` runs the twin and the Rust side
//! in turns, `--repeat` times, and returns typed figures; `report` writes the outcome.
//!
//! A twin that fails is a problem of its comparison; the other comparisons still run.

pub mod chunksize;
pub mod completion_order;
pub mod one_api;
pub mod pool_size;

use lesson_kit::{Outcome, Run, Samples, Timing, Twins, Unit, Versus};

use super::Settings;

/// Runs every comparison, in the chapter's order.
pub fn run(settings: &Settings, twins: &Twins) -> anyhow::Result<Vec<Outcome>> {
    Ok(vec![
        outcome(
            "compare-one-api",
            one_api::measure(settings, twins),
            one_api::report,
        ),
        outcome(
            "compare-pool-size",
            pool_size::measure(settings, twins),
            pool_size::report,
        ),
        outcome(
            "compare-chunksize",
            chunksize::measure(settings, twins),
            chunksize::report,
        ),
        outcome(
            "compare-completion-order",
            completion_order::measure(settings, twins),
            completion_order::report,
        ),
    ])
}

/// The outcome of one comparison, or, when it could not be made, an outcome that says why.
fn outcome<F>(id: &str, figures: anyhow::Result<F>, report: fn(&F) -> Outcome) -> Outcome {
    match figures {
        Ok(figures) => report(&figures),
        Err(error) => Outcome::new(id, "CPython beside Rust").problem(format!("{id}: {error:#}")),
    }
}

/// Wall seconds, one per run, as a timing with no CPU column.
pub fn wall(seconds: impl IntoIterator<Item = f64>) -> Timing {
    Timing {
        wall: Samples::new(Unit::Seconds, seconds),
        cpu: None,
    }
}

/// One figure of both languages' runs: a row for each, then the same two timings as the typed
/// pair that the workspace's table reads.
pub fn both_sides<S>(
    outcome: Outcome,
    experiment: &str,
    label: &str,
    [cpython, rust]: [&[S]; 2],
    pick: fn(&S) -> f64,
) -> Outcome {
    let (cpython, rust) = (wall(cpython.iter().map(pick)), wall(rust.iter().map(pick)));
    outcome
        .run(Run::timed(format!("CPython: {label}"), &cpython))
        .run(Run::timed(format!("Rust: {label}"), &rust))
        .versus(Versus::new(experiment, label, &cpython.wall, &rust.wall))
}
