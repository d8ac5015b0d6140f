//! CPU-bound work on threads: with no GIL (plain Rust) and under gil-sim's simulated GIL.
//!
//! The work is the classic GIL benchmark, `countdown(n)`, from `gil_sim::work`: the *same*
//! arithmetic everywhere. On plain Rust threads it is [`work::countdown_native`]; as "Python" it
//! is [`work::countdown`], which passes an eval-loop checkpoint every iteration, where the thread
//! holding the GIL hands it over if another thread asked.
//!
//! Each kind of thread has its own baseline that runs the *same loop*: plain Rust threads are
//! held against one plain Rust thread, Python threads against one Python thread of the same
//! interpreter, checkpoints included. So a speedup measures the threads, not a cheaper loop.

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

/// What one run of the tasks computed, and how often a GIL changed hands meanwhile.
#[derive(Debug)]
pub struct Computed {
    /// Each task's result, in task order, or why its thread returned none.
    pub results: Vec<Result<u64, ThreadError>>,
    /// How many times the GIL passed from one thread to another (0 without a GIL).
    pub switches: u64,
}

/// The `tasks` countdowns one after another on the calling thread, a plain Rust loop: the
/// baseline of [`on_rust_threads`]. Recorded on the lane `"one Rust thread"`.
pub fn in_turn(tasks: usize, n: u64, trace: &Trace) -> Computed {
    let lane = trace.lane("one Rust thread");
    let results = (0..tasks)
        .map(|_| Ok(lane.span(State::Running, || work::countdown_native(n))))
        .collect();
    Computed {
        results,
        switches: 0,
    }
}

/// Each task on its own plain Rust thread, recorded on a lane `"Rust thread {i}"`. The lane
/// shows when the thread existed; the OS decides which of them is on a core at any instant.
pub fn on_rust_threads(tasks: usize, n: u64, trace: &Trace) -> Computed {
    let jobs = (1..=tasks).map(|i| {
        let lane = trace.lane(format!("Rust thread {i}"));
        move || lane.span(State::Running, || work::countdown_native(n))
    });
    Computed {
        results: run_threads("rust", jobs),
        switches: 0,
    }
}

/// The `tasks` countdowns one after another on *one* Python thread of a simulated interpreter
/// in `mode`: the baseline of [`python_threads`], with the same checkpoints in its loop. The
/// lane is `"{label}: one thread"`.
pub fn python_in_turn(mode: Mode, label: &str, tasks: usize, n: u64, trace: &Trace) -> Computed {
    let interp = Interpreter::new(mode).with_trace(trace.clone());
    let results = Python::attach(&interp, &format!("{label}: one thread"), |py| {
        (0..tasks).map(|_| Ok(work::countdown(py, n))).collect()
    });
    Computed {
        results,
        switches: interp.switches(),
    }
}

/// Each task on its own thread *as if it were a Python thread* of one simulated interpreter in
/// `mode`: `Python::attach` takes the GIL, and the countdown's checkpoints hand it over every
/// switch interval (5 ms). Lanes are `"{label}: thread {i}"`; the trace shows each thread running
/// or waiting for the GIL.
pub fn python_threads(mode: Mode, label: &str, tasks: usize, n: u64, trace: &Trace) -> Computed {
    let interp = Interpreter::new(mode).with_trace(trace.clone());
    let jobs = (1..=tasks).map(|i| {
        let interp = &interp;
        let lane = format!("{label}: thread {i}");
        move || Python::attach(interp, &lane, |py| work::countdown(py, n))
    });
    let results = run_threads("python", jobs);
    Computed {
        results,
        switches: interp.switches(),
    }
}
