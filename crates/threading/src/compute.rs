//! CPU-bound work on threads: with no GIL (plain Rust) and under gil-sim's simulated GIL.
//!
//! The work is the classic GIL benchmark, `countdown(n)`, from `gil_sim::work`: the *same*
//! arithmetic in both cases. On plain Rust threads it is [`work::countdown_native`]; under the GIL
//! it is [`work::countdown`], which passes an eval-loop checkpoint every iteration, where the
//! thread holding the GIL hands it over if another thread asked. So the only difference between
//! the two runs is the lock, which is the article's point.

use std::hint::black_box;
use std::time::{Duration, Instant};

use gil_sim::{Interpreter, Mode, Python, work};
use lesson_kit::{State, Trace};

use crate::threads::{ThreadError, run_threads};

/// The article's example: four tasks (it processes four images).
pub const TASKS: usize = 4;

/// How many countdown iterations take about `target` on one core of this machine: measured, so
/// that "a 100 ms task" means 100 ms on a slow laptop and on a fast server alike.
pub fn iterations_for(target: Duration) -> u64 {
    let mut n: u64 = 10_000;
    loop {
        let started = Instant::now();
        black_box(work::countdown_native(n));
        let took = started.elapsed();
        // Long enough to be a fair sample (timer resolution and a context switch are noise).
        if took >= Duration::from_millis(20) || n >= 1 << 40 {
            let per_iteration = took.as_secs_f64() / n as f64;
            return ((target.as_secs_f64() / per_iteration) as u64).max(1);
        }
        n *= 2;
    }
}

/// Runs the `TASKS` tasks one after another on the calling thread; returns their results.
pub fn sequential(tasks: usize, n: u64) -> Vec<u64> {
    (0..tasks).map(|_| work::countdown_native(n)).collect()
}

/// Runs each task on its own plain Rust thread, recording each on a lane `"Rust thread {i}"`.
/// The lane shows when the thread existed; the OS decides which of them is on a core at any
/// instant (with more threads than cores, they take turns, and the timeline cannot show that).
pub fn on_rust_threads(tasks: usize, n: u64, trace: &Trace) -> Vec<Result<u64, ThreadError>> {
    let jobs = (1..=tasks).map(|i| {
        let lane = trace.lane(format!("Rust thread {i}"));
        move || lane.span(State::Running, || work::countdown_native(n))
    });
    run_threads("rust", jobs)
}

/// What a run of Python threads under gil-sim measured.
pub struct GilRun {
    pub results: Vec<Result<u64, ThreadError>>,
    /// How many times the GIL passed from one thread to another.
    pub switches: u64,
}

/// Runs each task on its own thread *as if it were a Python thread* of one simulated interpreter:
/// `Python::attach` takes the GIL, and the countdown's checkpoints hand it over every switch
/// interval (5 ms). Lanes are `"{label} thread {i}"`; the trace shows running and waiting for the GIL.
pub fn under_gil(mode: Mode, label: &str, tasks: usize, n: u64, trace: &Trace) -> GilRun {
    let interp = Interpreter::new(mode).with_trace(trace.clone());
    let jobs = (1..=tasks).map(|i| {
        let interp = &interp;
        let lane = format!("{label} thread {i}");
        move || Python::attach(interp, &lane, |py| work::countdown(py, n))
    });
    let results = run_threads("python", jobs);
    GilRun {
        results,
        switches: interp.switches(),
    }
}
