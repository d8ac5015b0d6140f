//! Experiment `stampede`: 1,000 threads wait for one event, then each does a little work. Under
//! the GIL they all wake at once and then run one at a time, a hand-over between each two; plain
//! Rust threads spread the same work over the cores.
//!
//! Python twin: `python/stampede.py`. Example: `examples/07_stampede.rs`.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use lesson_kit::report::{faster_or_slower, format_seconds, group_thousands};
use lesson_kit::{
    Claim, Figure, Measurement, Outcome, Run, Samples, Source, Timing, Unit, Verdict, alternate,
    stopwatch,
};
use serde::Serialize;

use super::{LessonError, MODEL_COLUMN, ModelCosts, Settings, model_note, python_threads};
use crate::model::{self, ThreadSpec};
use crate::{DEFAULT_SWITCH_INTERVAL, Interpreter, Mode, Python, work};

/// How many threads wake at once: the claim's size, with or without `--full`.
pub const THREADS: usize = 1_000;

/// How long each thread's work lasts: 100 µs by default, 1 ms with `--full`.
pub fn work_per_thread(settings: &Settings) -> Duration {
    settings.size(Duration::from_micros(100), Duration::from_millis(1))
}

/// What `measure` found.
#[derive(Debug, Serialize)]
pub struct Figures {
    pub threads: usize,
    /// Iterations of each thread's countdown.
    pub iterations: u64,
    /// One Python thread doing every thread's work in turn.
    pub in_turn: Timing,
    /// The Python threads, from the event to the last one finished.
    pub gil: Timing,
    /// The same number of plain Rust threads, the same way.
    pub rust: Timing,
    pub gil_switches: Samples,
    pub model: Predictions,
    pub costs: ModelCosts,
}

/// The model's predictions, in virtual seconds.
#[derive(Debug, Serialize)]
pub struct Predictions {
    pub in_turn_s: f64,
    pub gil_s: f64,
    pub gil_switches: u64,
}

/// `threading.Event`, plus a count of the threads waiting on it: the clock starts only once
/// every thread is at the gate, so that starting threads is not part of the figure.
#[derive(Default)]
struct Gate {
    state: Mutex<GateState>,
    changed: Condvar,
}

#[derive(Default)]
struct GateState {
    open: bool,
    waiting: usize,
}

impl Gate {
    /// `event.wait()`.
    fn wait(&self) {
        let mut state = self.lock();
        state.waiting += 1;
        self.changed.notify_all();
        while !state.open {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Blocks until `n` threads are waiting.
    fn wait_for_waiters(&self, n: usize) {
        let mut state = self.lock();
        while state.waiting < n {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// `event.set()`: every waiting thread wakes at once.
    fn set(&self) {
        self.lock().open = true;
        self.changed.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Starts `threads` threads that each wait at one gate and then run `body`; opens the gate once
/// all are waiting, and times from there until the last one has finished.
fn stampede(threads: usize, body: impl Fn() + Sync) -> Result<Measurement, LessonError> {
    let gate = Gate::default();
    thread::scope(|scope| {
        let mut handles = Vec::with_capacity(threads);
        let mut failed = None;
        for index in 0..threads {
            let (gate, body) = (&gate, &body);
            let spawned = thread::Builder::new().spawn_scoped(scope, move || {
                gate.wait();
                body();
            });
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(source) => {
                    failed = Some(LessonError::Spawn {
                        index: index + 1,
                        total: threads,
                        source,
                    });
                    break;
                }
            }
        }
        gate.wait_for_waiters(handles.len());
        let ((), measurement) = stopwatch(|| {
            gate.set();
            for handle in handles {
                if let Err(panic) = handle.join() {
                    std::panic::resume_unwind(panic);
                }
            }
        });
        match failed {
            Some(error) => Err(error),
            None => Ok(measurement),
        }
    })
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let config = &settings.lesson.model;
    let n = config.checkpoints_in(work_per_thread(settings));
    let interp = Interpreter::new(Mode::Cpython312);
    let [in_turn, gil, rust] = alternate(
        settings.repeat,
        [
            &mut || {
                let run = python_threads(Mode::Cpython312, DEFAULT_SWITCH_INTERVAL, 1, |py, _| {
                    for _ in 0..THREADS {
                        std::hint::black_box(work::countdown(py, n));
                    }
                });
                Ok((run.measurement, 0))
            },
            &mut || {
                let before = interp.switches();
                let measured = stampede(THREADS, || {
                    Python::attach(&interp, "stampede", |py| {
                        std::hint::black_box(work::countdown(py, n));
                    });
                })?;
                Ok((measured, interp.switches() - before))
            },
            &mut || {
                let measured = stampede(THREADS, || {
                    std::hint::black_box(work::countdown_native(n));
                })?;
                Ok((measured, 0))
            },
        ],
    );
    let in_turn = collect(in_turn)?;
    let gil = collect(gil)?;
    let rust = collect(rust)?;
    let predicted = model::simulate(config, &vec![ThreadSpec::cpu(n); THREADS]);
    Ok(Figures {
        threads: THREADS,
        iterations: n,
        in_turn: timing(&in_turn),
        gil_switches: Samples::new(Unit::Count, gil.iter().map(|(_, s)| *s as f64)),
        gil: timing(&gil),
        rust: timing(&rust),
        model: Predictions {
            in_turn_s: model::simulate(config, &[ThreadSpec::cpu(n * THREADS as u64)])
                .total
                .as_secs_f64(),
            gil_s: predicted.total.as_secs_f64(),
            gil_switches: predicted.switches,
        },
        costs: ModelCosts::of(config),
    })
}

type Measured = Result<(Measurement, u64), LessonError>;

fn collect(runs: Vec<Measured>) -> Result<Vec<(Measurement, u64)>, LessonError> {
    runs.into_iter().collect()
}

fn timing(runs: &[(Measurement, u64)]) -> Timing {
    let measurements: Vec<Measurement> = runs.iter().map(|(m, _)| *m).collect();
    Timing::of(&measurements)
}

pub fn report(figures: &Figures) -> Outcome {
    let threads = group_thousands(figures.threads as u64);
    let gil_against_in_turn = Samples::ratios(&figures.gil.wall, &figures.in_turn.wall);
    let rust_speedup = Samples::ratios(&figures.in_turn.wall, &figures.rust.wall);
    let [in_turn, gil, rust] = runs(figures);
    Outcome::new("stampede", "A stampede: 1,000 threads wake at once")
        .intro(format!(
            "{threads} threads wait for one event (`threading.Event`), then each runs \
             countdown({}), about {} of work. The clock starts when the event is set and stops \
             when the last thread is done.",
            figures.iterations,
            format_seconds(figures.in_turn.wall_s() / figures.threads as f64),
        ))
        .intro(format!(
            "Beside them: one Python thread doing all {threads} pieces of work in turn, and \
             {threads} plain Rust threads woken the same way, with no GIL."
        ))
        .intro(model_note(&figures.costs))
        .run(in_turn)
        .run(gil)
        .run(rust)
        .speedups_against("1 thread, the work in turn")
        .finding(gil_finding(figures, &gil_against_in_turn))
        .finding(format!(
            "The {threads} Rust threads were {} than the work in turn ({rust_speedup}) on {} \
             cores: with no GIL, a stampede is only as slow as the cores are few.",
            faster_or_slower(rust_speedup.median()),
            figures.costs.cores,
        ))
        .claim(one_at_a_time_claim(&threads, &gil_against_in_turn))
}

/// The table: the work in turn, the stampede under the GIL, plain Rust threads; the model beside.
fn runs(figures: &Figures) -> [Run; 3] {
    let threads = group_thousands(figures.threads as u64);
    let model = &figures.model;
    [
        Run::timed("1 thread, the work in turn", &figures.in_turn)
            .figure(MODEL_COLUMN, Figure::Seconds(model.in_turn_s)),
        Run::timed(format!("{threads} threads, GIL"), &figures.gil)
            .figure("switches", Figure::Spread(figures.gil_switches.clone()))
            .figure(MODEL_COLUMN, Figure::Seconds(model.gil_s))
            .figure("model switches", Figure::Count(model.gil_switches)),
        Run::timed(format!("{threads} Rust threads"), &figures.rust),
    ]
}

/// What each hand-over added, measured and predicted.
fn gil_finding(figures: &Figures, gil_against_in_turn: &Samples) -> String {
    let n = figures.threads as f64;
    let per_thread = (figures.gil.wall_s() - figures.in_turn.wall_s()) / n;
    let model_per_thread = (figures.model.gil_s - figures.model.in_turn_s) / n;
    format!(
        "Woken together, the {} Python threads took {gil_against_in_turn} the time of the same \
         work in turn: {}. The GIL changed hands {} times, about once per thread; each hand-over \
         added about {} (the model predicts {}).",
        group_thousands(figures.threads as u64),
        if gil_against_in_turn.median() >= 0.9 {
            "they ran one at a time"
        } else {
            "some of it overlapped"
        },
        figures.gil_switches,
        format_seconds(per_thread.max(0.0)),
        format_seconds(model_per_thread.max(0.0)),
    )
}

fn one_at_a_time_claim(threads: &str, gil_against_in_turn: &Samples) -> Claim {
    Claim::new(
        "The GIL lets only one thread run at any given moment.",
        Source::ARTICLE,
    )
    .measured(format!(
        "{threads} threads woken at once took {gil_against_in_turn} the time of their work done \
         in turn by one thread."
    ))
    .judge(gil_against_in_turn, |x| {
        if x >= 0.9 {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(gil: &[f64]) -> Figures {
        Figures {
            threads: THREADS,
            iterations: 2_000,
            in_turn: Timing::wall_seconds([0.100, 0.101, 0.099]),
            gil: Timing::wall_seconds(gil.iter().copied()),
            rust: Timing::wall_seconds([0.055, 0.056, 0.054]),
            gil_switches: Samples::new(Unit::Count, [999.0, 1_000.0, 999.0]),
            model: Predictions {
                in_turn_s: 0.1,
                gil_s: 0.11,
                gil_switches: 999,
            },
            costs: ModelCosts::example(),
        }
    }

    #[test]
    fn threads_that_ran_one_at_a_time_hold_the_claim() {
        let outcome = report(&figures(&[0.120, 0.118, 0.125]));
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
        assert!(outcome.find_run("1,000 threads, GIL").is_some());
        assert!(outcome.find_run("1,000 Rust threads").is_some());
    }

    #[test]
    fn threads_that_overlapped_do_not_hold() {
        let outcome = report(&figures(&[0.05, 0.051, 0.052]));
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_straddling_spread_is_unclear() {
        let outcome = report(&figures(&[0.12, 0.05]));
        assert_eq!(outcome.claims[0].verdict, Verdict::Unclear);
    }

    #[test]
    fn a_busy_machine_leaves_no_verdict() {
        let outcome = report(&figures(&[0.12; 3])).on_busy_machine("load 4.0");
        assert_eq!(outcome.claims[0].verdict, Verdict::Unclear);
    }

    #[test]
    fn the_gate_lets_everyone_through_at_once() {
        let done = std::sync::atomic::AtomicUsize::new(0);
        let measured = stampede(8, || {
            done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })
        .expect("8 threads start");
        assert_eq!(done.into_inner(), 8);
        assert!(measured.wall > Duration::ZERO);
    }
}
