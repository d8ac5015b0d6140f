//! Experiment 1, `cpu-bound`: four CPU-bound tasks, run one after another, on four threads under
//! the GIL, on four threads of a free-threaded interpreter, and on four plain Rust threads.
//!
//! Python twin: `python/cpu_bound.py`.

use std::thread;

use lesson_kit::{Claim, Experiment, Figure, Run, Verdict, measure};

use super::{Context, MODEL_COLUMN, countdown_threads, faster_or_slower, published, ratio, secs};
use crate::model::{self, ThreadSpec};
use crate::{DEFAULT_SWITCH_INTERVAL, Interpreter, Mode, Python, work};

/// How many tasks, and threads.
pub const TASKS: usize = 4;

/// Iterations of each task's countdown.
pub fn task_size(context: &Context) -> u64 {
    context.size(2_000_000, 25_000_000)
}

pub fn run(context: &Context) -> Experiment {
    let n = task_size(context);
    let interval = DEFAULT_SWITCH_INTERVAL;

    // One Python thread runs the four countdowns one after another.
    let interp = Interpreter::new(Mode::Cpython312);
    let ((), sequential) = measure(|| {
        Python::attach(&interp, "main", |py| {
            for _ in 0..TASKS {
                std::hint::black_box(work::countdown(py, n));
            }
        });
    });
    let gil = countdown_threads(Mode::Cpython312, interval, TASKS, n);
    let free = countdown_threads(Mode::FreeThreaded, interval, TASKS, n);
    let ((), rust) = measure(|| {
        thread::scope(|scope| {
            for _ in 0..TASKS {
                scope.spawn(|| std::hint::black_box(work::countdown_native(n)));
            }
        });
    });

    // The model's predictions for the same four runs.
    let config = &context.model;
    let threads = vec![ThreadSpec::cpu(n); TASKS];
    let predict_sequential = model::simulate(config, &[ThreadSpec::cpu(n * TASKS as u64)]).total;
    let predict_gil = model::simulate(config, &threads);
    let predict_free = model::simulate(&config.with_mode(Mode::FreeThreaded), &threads).total;

    let gil_speedup = ratio(secs(sequential.wall), secs(gil.measurement.wall));
    let free_speedup = ratio(secs(sequential.wall), secs(free.measurement.wall));
    let rust_speedup = ratio(secs(sequential.wall), secs(rust.wall));
    let cores = context.model.cores;

    Experiment::new("cpu-bound", "Four CPU-bound tasks: threads under the GIL do not help")
        .intro(format!(
            "Each task is countdown({n}): an interpreted loop with a checkpoint every iteration."
        ))
        .intro(format!(
            "Run {TASKS} times on one thread, then on {TASKS} threads with CPython 3.12's GIL, on \
             {TASKS} threads with no GIL (free-threaded), and as {TASKS} plain Rust threads."
        ))
        .run(Run::measured("sequential", &sequential).figure(
            MODEL_COLUMN,
            Figure::Seconds(secs(predict_sequential)),
        ))
        .run(
            Run::measured(format!("{TASKS} threads, GIL"), &gil.measurement)
                .figure(MODEL_COLUMN, Figure::Seconds(secs(predict_gil.total)))
                .figure("switches", Figure::Count(gil.switches))
                .figure("model switches", Figure::Count(predict_gil.switches)),
        )
        .run(
            Run::measured(format!("{TASKS} threads, free-threaded"), &free.measurement)
                .figure(MODEL_COLUMN, Figure::Seconds(secs(predict_free))),
        )
        .run(Run::measured(format!("{TASKS} Rust threads"), &rust))
        .speedups_against("sequential")
        .trace(gil.trace)
        .finding(format!(
            "Under the GIL, {TASKS} threads were {} than one thread doing all the work; the GIL \
             changed hands {} times (about once per {} interval).",
            faster_or_slower(gil_speedup),
            gil.switches,
            lesson_kit::report::format_seconds(secs(interval)),
        ))
        .finding(format!(
            "Without a GIL the same threads were {} and plain Rust threads {}: on {cores} cores, \
             at most {cores}× is possible.",
            faster_or_slower(free_speedup),
            faster_or_slower(rust_speedup),
        ))
        .finding(published::versus(&published::CPU_BOUND, gil_speedup))
        .claim(Claim::new(
            "Threads give CPU-bound Python code no speedup, because only the thread holding the GIL runs.",
            format!(
                "{TASKS} threads under the GIL: {gil_speedup:.2}× the sequential speed; \
                 free-threaded: {free_speedup:.2}×."
            ),
            if gil_speedup < 1.2 {
                Verdict::Holds
            } else {
                Verdict::DoesNotHold
            },
        ))
}
