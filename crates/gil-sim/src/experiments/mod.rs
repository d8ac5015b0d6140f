//! The lesson's six experiments, one file each, in the order the chapter tells them.
//!
//! Every experiment runs real threads under the real lock, puts the model's prediction beside
//! each measured row, and writes its findings from the figures it got.

pub mod convoy;
pub mod cpu_bound;
pub mod http;
pub mod interval_sweep;
pub mod io_bound;
pub mod legacy;
pub mod native;
pub mod published;

use std::thread;
use std::time::Duration;

pub use lesson_kit::report::{faster_or_slower, ratio};
use lesson_kit::{Experiment, Measurement, Trace, measure};

use crate::model::{ModelConfig, calibrate};
use crate::{Interpreter, Mode, Python, sys, work};

/// The experiments' ids, in the tour's order: what `cargo run -p gil-sim -- <id>` accepts.
pub const IDS: [&str; 6] = [
    "cpu-bound",
    "io-bound",
    "convoy",
    "interval-sweep",
    "native",
    "legacy",
];

/// Why an experiment could not run.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error("no experiment called {0:?}; the experiments are: {ids}", ids = IDS.join(", "))]
    Unknown(String),
    #[error("could not start the local delay server: {0}")]
    Server(#[from] lesson_kit::ServerError),
    #[error(transparent)]
    Http(#[from] http::HttpError),
}

/// What every experiment needs: the sizes to use and the model calibrated for this machine.
#[derive(Clone, Debug)]
pub struct Context {
    /// `--full`: bigger sizes (the article's, where it gives them).
    pub full: bool,
    /// The model's costs, measured on this machine.
    pub model: ModelConfig,
}

impl Context {
    /// Calibrates the model on this machine (a few tens of milliseconds).
    pub fn calibrated(full: bool) -> Self {
        Context {
            full,
            model: calibrate::calibrated(),
        }
    }

    /// `small` normally, `big` with `--full`.
    pub fn size<T>(&self, small: T, big: T) -> T {
        if self.full { big } else { small }
    }
}

/// Runs the experiment called `id`.
pub fn run(id: &str, context: &Context) -> Result<Experiment, ExperimentError> {
    match id {
        "cpu-bound" => Ok(cpu_bound::run(context)),
        "io-bound" => io_bound::run(context),
        "convoy" => convoy::run(context),
        "interval-sweep" => Ok(interval_sweep::run(context)),
        "native" => Ok(native::run(context)),
        "legacy" => Ok(legacy::run(context)),
        other => Err(ExperimentError::Unknown(other.to_string())),
    }
}

/// What a run of Python threads measured.
pub struct ThreadsRun {
    pub measurement: Measurement,
    pub switches: u64,
    pub trace: Trace,
}

/// Runs `threads` Python threads of a fresh interpreter in `mode`, each calling `body` with its
/// token and its number, and measures the whole.
pub fn python_threads(
    mode: Mode,
    interval: Duration,
    threads: usize,
    body: impl Fn(Python<'_>, usize) + Sync,
) -> ThreadsRun {
    let trace = Trace::new();
    let interp = Interpreter::new(mode).with_trace(trace.clone());
    sys::setswitchinterval(&interp, interval);
    let ((), measurement) = measure(|| {
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

/// `countdown(n)` on each of `threads` Python threads.
pub fn countdown_threads(mode: Mode, interval: Duration, threads: usize, n: u64) -> ThreadsRun {
    python_threads(mode, interval, threads, |py, _| {
        std::hint::black_box(work::countdown(py, n));
    })
}

/// Seconds of a `Duration`, as the renderers want them.
pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// The model's rows are labelled like the measured ones, with this prefix.
pub const MODEL_COLUMN: &str = "model predicts";

/// Adds `experiment`'s standard intro line about the model.
pub fn with_model_note(experiment: Experiment, model: &ModelConfig) -> Experiment {
    experiment.intro(format!(
        "The \"{MODEL_COLUMN}\" column is gil-sim's virtual-time model of the same protocol, \
         calibrated on this machine: {} per checkpoint, {} per wake-up, {} cores.",
        lesson_kit::report::format_seconds(secs(model.checkpoint_cost)),
        lesson_kit::report::format_seconds(secs(model.wake_latency)),
        model.cores
    ))
}
