//! Experiment `countdown`: pure computation, no library to release the GIL. Four countdowns in
//! turn, on threads under one GIL, in a process pool (a GIL per process), with rayon, and on
//! plain Rust threads.
//!
//! Python twin: `python/countdown.py`. Example: `05_countdown_in_processes.rs`.

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use gil_sim::{Interpreter, Mode, Python, work};
use lesson_kit::report::faster_or_slower;
use lesson_kit::{
    Claim, Measurement, Outcome, Run, Samples, Source, Timing, Trace, Verdict, alternate,
    stopwatch_with_children,
};
use rayon::prelude::*;
use serde::Serialize;

use super::{LessonError, Settings, SideBySide, cores, count, trace_workers, workers};
use crate::pool::Pool;
use crate::tasks::{Task, countdown_in_own_interpreter};

/// The article's four tasks.
pub const TASKS: usize = 4;

/// What `measure` found.
#[derive(Debug, Serialize)]
pub struct Figures {
    pub tasks: usize,
    /// Countdown iterations per task.
    pub n: u64,
    pub workers: usize,
    pub cores: usize,
    pub sequential: Timing,
    pub gil_threads: Timing,
    pub pool: Timing,
    pub rayon: Timing,
    pub rust_threads: Timing,
    /// Tasks that failed in the pool, in any run.
    pub failures: Vec<String>,
    /// The last pool run (a lane per process), then the last run of threads under the GIL.
    pub trace: Trace,
}

struct Ran {
    measurement: Measurement,
    trace: Trace,
    failures: Vec<String>,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let workers = workers(settings);
    let n = iterations_for(settings.size(Duration::from_millis(60), Duration::from_secs(2)));
    let rayon = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()?;
    let timed = |run: &dyn Fn(&Trace) -> Vec<String>| {
        let trace = Trace::new();
        let (failures, measurement) = stopwatch_with_children(|| run(&trace));
        Ran {
            measurement,
            trace,
            failures,
        }
    };
    let [sequential, gil_threads, pool, with_rayon, rust_threads] = alternate(
        settings.repeat,
        [
            &mut || timed(&|_| in_turn(n)),
            &mut || timed(&|trace| on_gil_threads(n, trace)),
            &mut || timed(&|trace| in_a_pool(n, workers, trace)),
            &mut || timed(&|_| rayon.install(|| with_rayon(n))),
            &mut || timed(&|_| on_rust_threads(n)),
        ],
    );
    let mut failures: Vec<String> = pool.iter().flat_map(|r| r.failures.clone()).collect();
    failures.dedup();
    let trace = Trace::new();
    let mut offset_s = 0.0;
    for run in [pool.last(), gil_threads.last()].into_iter().flatten() {
        trace.absorb(&run.trace.snapshot(), offset_s);
        offset_s += run.measurement.wall.as_secs_f64();
    }
    let timing = |runs: &[Ran]| Timing::of(&runs.iter().map(|r| r.measurement).collect::<Vec<_>>());
    Ok(Figures {
        tasks: TASKS,
        n,
        workers,
        cores: cores(),
        sequential: timing(&sequential),
        gil_threads: timing(&gil_threads),
        pool: timing(&pool),
        rayon: timing(&with_rayon),
        rust_threads: timing(&rust_threads),
        failures,
        trace,
    })
}

/// How many countdown iterations take about `target` in one interpreter on this machine:
/// measured, so that a task is as long on a slow laptop as on a fast server.
pub fn iterations_for(target: Duration) -> u64 {
    let mut n: u64 = 10_000;
    loop {
        let started = Instant::now();
        black_box(countdown_in_own_interpreter(n));
        let took = started.elapsed();
        if took >= Duration::from_millis(20) || n >= 1 << 40 {
            let per_iteration = took.as_secs_f64() / n as f64;
            return ((target.as_secs_f64() / per_iteration) as u64).max(1);
        }
        n *= 2;
    }
}

/// `for _ in range(4): countdown(n)` in one interpreter.
fn in_turn(n: u64) -> Vec<String> {
    let interpreter = Interpreter::new(Mode::Cpython312);
    Python::attach(&interpreter, "main", |py| {
        for _ in 0..TASKS {
            black_box(work::countdown(py, n));
        }
    });
    Vec::new()
}

/// Four `threading.Thread(target=countdown, args=(n,))` of one interpreter: one GIL.
fn on_gil_threads(n: u64, trace: &Trace) -> Vec<String> {
    let interpreter = Interpreter::new(Mode::Cpython312).with_trace(trace.clone());
    thread::scope(|scope| {
        for i in 1..=TASKS {
            let interpreter = &interpreter;
            scope.spawn(move || {
                Python::attach(interpreter, &format!("thread {i}"), |py| {
                    work::countdown(py, n)
                })
            });
        }
    });
    Vec::new()
}

/// `with Pool(workers) as pool: pool.map(countdown, [n] * 4)`: each worker process runs the
/// countdown in its own interpreter, under its own GIL.
fn in_a_pool(n: u64, workers: usize, trace: &Trace) -> Vec<String> {
    let started = SystemTime::now();
    let pool = match Pool::<Task>::new(workers) {
        Ok(pool) => pool,
        Err(error) => return vec![error.to_string()],
    };
    let finished: Vec<_> = pool
        .imap_unordered((0..TASKS).map(|_| Task::Countdown(n)), 1)
        .collect();
    trace_workers(&finished, started, trace);
    finished
        .into_iter()
        .filter_map(|f| f.result.err().map(|e| e.to_string()))
        .collect()
}

/// The same countdown on rayon's threads. Rust has no GIL: each task runs in gil-sim's
/// free-threaded mode, whose checkpoints do nothing.
fn with_rayon(n: u64) -> Vec<String> {
    (0..TASKS).into_par_iter().for_each(|_| {
        black_box(countdown_without_gil(n));
    });
    Vec::new()
}

/// Four plain `std::thread`s, no GIL.
fn on_rust_threads(n: u64) -> Vec<String> {
    thread::scope(|scope| {
        for _ in 0..TASKS {
            scope.spawn(move || black_box(countdown_without_gil(n)));
        }
    });
    Vec::new()
}

fn countdown_without_gil(n: u64) -> u64 {
    let interpreter = Interpreter::new(Mode::FreeThreaded);
    Python::attach(&interpreter, "thread", |py| work::countdown(py, n))
}

pub fn report(figures: &Figures) -> Outcome {
    let (w, t) = (figures.workers, figures.tasks);
    let mut outcome = Outcome::new("countdown", "Pure computation: one GIL, or one per process")
        .intro(intro(figures))
        .run(Run::timed("sequential", &figures.sequential))
        .run(Run::timed(
            format!("{t} threads, one GIL"),
            &figures.gil_threads,
        ))
        .run(Run::timed(
            format!("pool of {}", count(w, "process")),
            &figures.pool,
        ))
        .run(Run::timed(
            format!("rayon, {}", count(w, "thread")),
            &figures.rayon,
        ))
        .run(Run::timed(
            format!("{t} Rust threads"),
            &figures.rust_threads,
        ))
        .trace(figures.trace.clone());
    if !figures.failures.is_empty() {
        for failure in &figures.failures {
            outcome = outcome.problem(failure.clone());
        }
        return outcome.finding("Tasks failed in the pool, so no speedup is reported.");
    }
    outcome
        .speedups_against("sequential")
        .finding(speedups(figures))
        .claim(one_gil_claim(figures))
        .claim(processes_claim(figures))
}

fn intro(figures: &Figures) -> String {
    let (w, t) = (figures.workers, figures.tasks);
    format!(
        "{t} countdowns of {} iterations each (`while n > 0: n -= 1`, gil-sim's interpreted \
         loop): in turn; on {t} threads of one interpreter; in a pool of {}, each with its own \
         interpreter and GIL; with rayon on {}; and on {t} plain Rust threads. The last two have \
         no GIL at all (gil-sim's free-threaded mode, whose checkpoints do nothing).",
        lesson_kit::report::group_thousands(figures.n),
        count(w, "process"),
        count(w, "thread"),
    )
}

fn speedup(figures: &Figures, variant: &Timing) -> Samples {
    Samples::ratios(&figures.sequential.wall, &variant.wall)
}

fn speedups(figures: &Figures) -> String {
    let median = |variant: &Timing| faster_or_slower(speedup(figures, variant).median());
    format!(
        "Threads under one GIL: {}. Processes: {}. rayon: {}. Rust threads: {}. The CPU column \
         shows why: under one GIL the threads' CPU time is the sequential one; processes and \
         Rust threads spend the same CPU time on several cores at once.",
        median(&figures.gil_threads),
        median(&figures.pool),
        median(&figures.rayon),
        median(&figures.rust_threads),
    )
}

fn one_gil_claim(figures: &Figures) -> Claim {
    let threads = speedup(figures, &figures.gil_threads);
    Claim::new(
        "CPU-bound threads under the GIL are no faster than one thread.",
        Source::ARTICLE,
    )
    .measured(format!(
        "{} threads of one interpreter: {threads} the speed of one",
        figures.tasks
    ))
    .judge(&threads, |x| {
        if x < 1.2 {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        }
    })
}

fn processes_claim(figures: &Figures) -> Claim {
    let pool = speedup(figures, &figures.pool);
    let side_by_side = SideBySide {
        cores: figures.cores,
        workers: figures.workers,
        items: figures.tasks,
    };
    let claim = Claim::new(
        "Each process has its own interpreter and its own GIL, so processes compute on several \
         cores at once.",
        Source::ARTICLE,
    );
    side_by_side.judge(
        claim,
        &pool,
        format!(
            "a pool of {}: {pool} the speed of one (at most {:.0}× here)",
            count(figures.workers, "process"),
            side_by_side.ideal()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(ms: &[u64]) -> Timing {
        Timing::wall_seconds(ms.iter().map(|&m| m as f64 / 1e3))
    }

    fn figures(gil: &[u64], pool: &[u64]) -> Figures {
        let sequential: Vec<u64> = gil.iter().map(|_| 400).collect();
        Figures {
            tasks: 4,
            n: 1000,
            workers: 2,
            cores: 2,
            sequential: timing(&sequential),
            gil_threads: timing(gil),
            pool: timing(pool),
            rayon: timing(pool),
            rust_threads: timing(pool),
            failures: Vec::new(),
            trace: Trace::virtual_time(),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn one_gil_no_speedup_and_processes_in_parallel_hold_both() {
        let outcome = report(&figures(&[405, 410, 400], &[210, 205, 220]));
        assert_eq!(verdicts(&outcome), [Verdict::Holds, Verdict::Holds]);
    }

    #[test]
    fn thresholds_decide_each_verdict() {
        // 400/300 = 1.33×: threads sped up; the pool gained some, not most, of the 2× possible.
        let outcome = report(&figures(&[300, 300], &[300, 300]));
        assert_eq!(verdicts(&outcome), [Verdict::DoesNotHold, Verdict::Partly]);
        let outcome = report(&figures(&[400], &[390]));
        assert_eq!(outcome.claims[1].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_straddling_spread_is_unclear() {
        let outcome = report(&figures(&[400, 300], &[200, 200]));
        assert_eq!(outcome.claims[0].verdict, Verdict::Unclear);
    }

    #[test]
    fn pool_failures_are_problems() {
        let mut figures = figures(&[400], &[200]);
        figures.failures = vec!["task 1 was lost".into()];
        let outcome = report(&figures);
        assert_eq!(outcome.problems, ["task 1 was lost"]);
        assert!(outcome.claims.is_empty());
    }

    #[test]
    fn a_busy_machine_leaves_no_timing_verdict() {
        let outcome = report(&figures(&[405, 410], &[210, 205])).on_busy_machine("load 5.0");
        assert_eq!(verdicts(&outcome), [Verdict::Unclear, Verdict::Unclear]);
    }
}
