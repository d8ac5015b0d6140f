//! Experiment `computing`: four CPU-bound tasks on plain Rust threads, then under a GIL.
//!
//! Python twin: `python/computing.py`. Example file: `cpu_bound_threads.rs`.

use std::time::Duration;

use gil_sim::Mode;
use lesson_kit::{Claim, Experiment, Figure, Run, Trace, Verdict, measure};

use super::{Outcome, Settings, faster_or_slower, ratio, seconds};
use crate::compute::{self, TASKS};
use crate::threads::ThreadError;

pub fn run(settings: &Settings) -> Outcome {
    let target = settings.size(Duration::from_millis(100), Duration::from_secs(2));
    let n = compute::iterations_for(target);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());

    let (expected, sequential) = measure(|| compute::sequential(TASKS, n));
    // One trace for both threaded runs, one after the other: the Rust threads' lanes end where
    // the GIL threads' lanes begin, so the two shapes sit side by side on one timeline.
    let trace = Trace::new();
    let (rust_results, rust) = measure(|| compute::on_rust_threads(TASKS, n, &trace));
    let (gil, under_gil) = measure(|| gil_part(n, Mode::Cpython312, "GIL", &trace));
    // The free-threaded build (3.13t) has no GIL: the same Python threads, untraced to keep the
    // timeline to the two shapes that matter.
    let (free, free_threaded) =
        measure(|| gil_part(n, Mode::FreeThreaded, "no-GIL", &Trace::new()));

    let wall = |m: &lesson_kit::Measurement| m.wall.as_secs_f64();
    let rust_speedup = ratio(wall(&sequential), wall(&rust));
    let gil_speedup = ratio(wall(&sequential), wall(&under_gil));
    let free_speedup = ratio(wall(&sequential), wall(&free_threaded));

    let mut problems = Vec::new();
    for (label, results) in [
        ("Rust threads", &rust_results),
        ("GIL threads", &gil.results),
        ("no-GIL threads", &free.results),
    ] {
        check(label, results, &expected, &mut problems);
    }

    let mut experiment = Experiment::new(
        "computing",
        "Computing: the GIL lets one thread run at a time",
    )
    .intro(format!(
        "{TASKS} tasks, each a countdown of {n} steps of arithmetic (about {} on one core here).",
        seconds(target.as_secs_f64())
    ))
    .intro(format!(
        "They run one after another, then on {TASKS} plain Rust threads (no GIL), then on \
             {TASKS} threads that must hold gil-sim's simulated GIL to compute, as CPython 3.12's \
             threads must, and finally with the GIL switched off, like the free-threaded 3.13t."
    ))
    .run(Run::measured("sequential", &sequential))
    .run(Run::measured(format!("{TASKS} Rust threads"), &rust))
    .run(
        Run::measured(format!("{TASKS} threads under the GIL"), &under_gil)
            .figure("GIL switches", Figure::Count(gil.switches)),
    )
    .run(Run::measured(
        format!("{TASKS} threads, no GIL"),
        &free_threaded,
    ))
    .speedups_against("sequential")
    .trace(trace)
    .finding(format!(
        "Plain Rust threads: {} than one thread, on {cores} cores.",
        faster_or_slower(rust_speedup)
    ))
    .finding(format!(
        "Under the GIL: {}, with the GIL handed from thread to thread {} times; while one \
             thread computed, the others waited for the lock.",
        faster_or_slower(gil_speedup),
        gil.switches
    ))
    .finding(format!(
        "The same Python threads with no GIL: {}.",
        faster_or_slower(free_speedup)
    ))
    .claim(Claim::new(
        "CPU-bound work gains nothing from Python threads: four 2 s tasks still take about 8 s.",
        format!(
            "Under the simulated GIL, {TASKS} threads ran at {gil_speedup:.2}× the speed of \
                 one thread ({} for {TASKS} × {}).",
            seconds(wall(&under_gil)),
            seconds(target.as_secs_f64())
        ),
        if gil_speedup < 1.2 {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        },
    ))
    .claim(Claim::new(
        "Threads are the wrong tool for computing: use processes.",
        format!(
            "True for CPython with its GIL; Rust threads ran {rust_speedup:.2}× faster on \
                 {cores} cores. The limit is the lock, not threads."
        ),
        if rust_speedup > 1.5 {
            Verdict::Partly
        } else {
            Verdict::Holds
        },
    ));
    for problem in &problems {
        experiment = experiment.finding(format!("✗ {problem}"));
    }
    Outcome {
        experiment,
        problems,
    }
}

/// The GIL part of the experiment: the tasks as Python threads of a simulated interpreter.
fn gil_part(n: u64, mode: Mode, label: &str, trace: &Trace) -> compute::GilRun {
    compute::under_gil(mode, label, TASKS, n, trace)
}

/// Every thread must have computed what the sequential run did; say which did not.
fn check(
    label: &str,
    results: &[Result<u64, ThreadError>],
    expected: &[u64],
    problems: &mut Vec<String>,
) {
    for (i, (result, expected)) in results.iter().zip(expected).enumerate() {
        match result {
            Ok(value) if value == expected => {}
            Ok(value) => problems.push(format!(
                "{label}: task {} computed {value}, not {expected}",
                i + 1
            )),
            Err(error) => problems.push(format!("{label}: {error}")),
        }
    }
}
