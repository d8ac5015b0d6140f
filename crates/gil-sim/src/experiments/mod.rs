//! The lesson's experiments, one file each, in the order the chapter tells them.
//!
//! Each experiment is two functions: `measure(&Settings) -> Figures` runs real threads under the
//! real lock (and the model beside them) and returns typed figures; `report(&Figures) -> Outcome`
//! writes the findings and the verdicts on the claims *from those figures*. lesson-kit's `Tour`
//! (see `src/main.rs`) does the rest: flags, choosing experiments, the busy-machine check.
//!
//! `compare/` holds the same experiments beside their Python twins in `python/`, one file per
//! twin, in the same shape.
//!
//! This file holds what they share: the lesson's settings (the model calibrated on this machine),
//! its error type, the public sources its claims cite, and `python_threads`, which starts Python
//! threads attached to one interpreter and times them.

pub mod compare;
pub mod convoy;
pub mod cpu_bound;
pub mod interpreters;
pub mod interval_sweep;
pub mod io_bound;
pub mod legacy;
pub mod native;
pub mod published;
pub mod race;
pub mod sources;
pub mod stampede;

use std::thread;
use std::time::Duration;

use lesson_kit::report::format_seconds;
use lesson_kit::{Measurement, Samples, Timing, Trace, Unit, stopwatch};
use serde::Serialize;

use crate::model::{ModelConfig, calibrate};
use crate::{Interpreter, Mode, Python, sys, work};

/// The flags of this lesson, on top of lesson-kit's `--full`, `--repeat` and `--json`. Every size
/// follows `--full`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Flags {
    /// The Python 2 that `compare` runs python/legacy.py with, to show the GIL of before 3.2
    /// (default: python2 on the PATH; compare says so if there is none).
    #[arg(long, value_name = "PROGRAM")]
    pub python2: Option<String>,
}

/// What this lesson's experiments need besides the shared sizes: the model, with its costs.
#[derive(Clone, Debug)]
pub struct GilSettings {
    /// The virtual-time model whose predictions stand beside every measured row.
    pub model: ModelConfig,
    /// The Python 2 interpreter for `compare` (`python2` unless `--python2` says otherwise).
    pub python2: String,
}

impl GilSettings {
    /// The model calibrated on this machine (a few tens of milliseconds): what the tour uses.
    pub fn calibrated(flags: Flags) -> Self {
        GilSettings {
            model: calibrate::calibrated(),
            python2: flags.python2.unwrap_or_else(|| "python2".into()),
        }
    }

    /// The model with fixed round costs, the same on every machine: for tests and examples.
    pub fn fixed() -> Self {
        GilSettings {
            model: ModelConfig::default(),
            python2: "python2".into(),
        }
    }
}

/// What every experiment of this lesson receives.
pub type Settings = lesson_kit::Settings<GilSettings>;

/// Why an experiment could not run at all. A failed request is not this: it is a problem the
/// experiment reports, and the rest of its work completes.
#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    #[error("could not start the local delay server: {0}")]
    Server(#[from] lesson_kit::ServerError),
    #[error("could not start thread {index} of {total}: {source}")]
    Spawn {
        index: usize,
        total: usize,
        source: std::io::Error,
    },
}

/// The model's column, in every experiment's table.
pub const MODEL_COLUMN: &str = "model predicts";

/// What one run of Python threads measured.
pub struct ThreadsRun {
    pub measurement: Measurement,
    /// How many times the GIL passed from one thread to another.
    pub switches: u64,
    pub trace: Trace,
}

/// Starts `threads` Python threads attached to one fresh interpreter in `mode` (switch interval
/// `interval`), each calling `body` with its token and its number, and times them all: the mirror
/// of starting `threading.Thread`s and joining them.
pub fn python_threads(
    mode: Mode,
    interval: Duration,
    threads: usize,
    body: impl Fn(Python<'_>, usize) + Sync,
) -> ThreadsRun {
    let trace = Trace::new();
    let interp = Interpreter::new(mode).with_trace(trace.clone());
    sys::setswitchinterval(&interp, interval);
    let ((), measurement) = stopwatch(|| {
        thread::scope(|scope| {
            for i in 0..threads {
                let (interp, body) = (&interp, &body);
                scope.spawn(move || {
                    Python::attach(interp, &format!("thread {}", i + 1), |py| body(py, i));
                });
            }
        });
    });
    ThreadsRun {
        measurement,
        switches: interp.switches(),
        trace,
    }
}

/// `countdown(n)` on each of `threads` Python threads of one interpreter.
pub fn countdown_threads(mode: Mode, interval: Duration, threads: usize, n: u64) -> ThreadsRun {
    python_threads(mode, interval, threads, |py, _| {
        std::hint::black_box(work::countdown(py, n));
    })
}

/// The wall and CPU times of some runs, in the order they ran.
pub fn timing(runs: &[ThreadsRun]) -> Timing {
    let measurements: Vec<Measurement> = runs.iter().map(|r| r.measurement).collect();
    Timing::of(&measurements)
}

/// How many times the GIL changed hands in each of some runs.
pub fn switches(runs: &[ThreadsRun]) -> Samples {
    Samples::new(Unit::Count, runs.iter().map(|r| r.switches as f64))
}

/// The trace of the last of some runs (an empty one if there were none).
pub fn last_trace(runs: &[ThreadsRun]) -> Trace {
    runs.last().map_or_else(Trace::new, |r| r.trace.clone())
}

/// The model's costs as an experiment's figures carry them, so that `report` can say them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelCosts {
    /// Cores this process may use: the model's, and the most any speedup can be.
    pub cores: usize,
    /// One loop iteration with its checkpoint.
    pub checkpoint_s: f64,
    /// One hand-over: a signalled thread starting to run.
    pub wake_s: f64,
    /// How late a timed wait returns.
    pub timer_slack_s: f64,
    /// What a release with a waiter costs the releaser (a system call).
    pub signal_s: f64,
    /// The CPU of a waiter's timed-out wake-up.
    pub recheck_s: f64,
}

impl ModelCosts {
    pub fn of(model: &ModelConfig) -> Self {
        ModelCosts {
            cores: model.cores,
            checkpoint_s: model.checkpoint_cost.as_secs_f64(),
            wake_s: model.wake_latency.as_secs_f64(),
            timer_slack_s: model.timer_slack.as_secs_f64(),
            signal_s: model.signal_cost.as_secs_f64(),
            recheck_s: model.recheck_cost.as_secs_f64(),
        }
    }

    /// The costs of [`GilSettings::fixed`]: for tests of `report`.
    pub fn example() -> Self {
        ModelCosts::of(&ModelConfig::default())
    }
}

/// The intro line every experiment gives about the model column.
pub fn model_note(costs: &ModelCosts) -> String {
    format!(
        "The \"{MODEL_COLUMN}\" column is gil-sim's virtual-time model of the same protocol, with \
         its costs measured on this machine: {} per loop iteration, {} per wake-up, {} for the \
         waker's system call, {} of CPU per timed-out wake-up, {} timer slack, {} cores.",
        format_seconds(costs.checkpoint_s),
        format_seconds(costs.wake_s),
        format_seconds(costs.signal_s),
        format_seconds(costs.recheck_s),
        format_seconds(costs.timer_slack_s),
        costs.cores
    )
}
