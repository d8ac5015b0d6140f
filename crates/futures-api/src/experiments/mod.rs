//! The lesson's experiments, one file each, in the order the chapter tells them, plus the
//! side-by-side comparison with CPython.
//!
//! Each experiment is two functions: `measure(&Settings) -> Figures` runs the executors and
//! returns typed figures; `report(&Figures) -> Outcome` says what they mean. lesson-kit's `Tour`
//! (see `src/main.rs`) does the rest.

use crate::advice::WaitsOn;

/// The flags of this lesson, on top of lesson-kit's `--full`, `--repeat` and `--json`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Flags {
    /// For `advise`: what one task spends its time waiting on (asked on a terminal if missing).
    #[arg(long, value_enum, value_name = "WHAT")]
    pub waits_on: Option<WaitsOn>,

    /// For `advise`: how many tasks there are (asked on a terminal if missing).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub tasks: Option<u64>,

    /// For `advise`: how long one task takes alone, in milliseconds (asked on a terminal if
    /// missing).
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub per_task_ms: Option<u64>,
}

/// What every experiment of this lesson receives.
pub type Settings = lesson_kit::Settings<Flags>;

/// Why an experiment could not run at all (a failed task is not this: it is a problem the
/// experiment reports, and the rest of its work completes).
#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    #[error("could not start the local delay server: {0}")]
    Server(#[from] lesson_kit::ServerError),
    #[error("could not start the process pool: {0}")]
    Pool(#[from] multiprocessing::PoolError),
    #[error("the executor refused a task: {0}")]
    Submit(#[from] crate::SubmitError),
    #[error("could not start the coroutines' runtime: {0}")]
    Runtime(std::io::Error),
    #[error("{0}")]
    OpenFiles(#[from] lesson_kit::os::LimitError),
    #[error("could not read the answer: {0}")]
    Ask(std::io::Error),
}

pub mod advise;
pub mod chunksize;
pub mod compare;
pub mod completion_order;
pub mod one_api;
pub mod pool_size;

use std::collections::BTreeMap;
use std::time::SystemTime;

use lesson_kit::{Measurement, State, Timing, Trace};

use crate::tasks::Answer;

/// The timeline of one run from the tasks' own reports of where and when they ran: one lane per
/// worker (a thread, or a process), named `"{prefix} 1"`, `"{prefix} 2"`… in the order they first
/// started, times in seconds from `origin`.
pub fn timeline(trace: &Trace, prefix: &str, origin: SystemTime, answers: &[Answer], state: State) {
    let mut lanes: BTreeMap<(u32, String), usize> = BTreeMap::new();
    let mut by_start: Vec<&Answer> = answers.iter().collect();
    by_start.sort_by_key(|a| a.ran.started);
    let seconds = |t: SystemTime| t.duration_since(origin).map_or(0.0, |d| d.as_secs_f64());
    for answer in by_start {
        let next = lanes.len() + 1;
        let key = (answer.ran.pid, answer.ran.thread.clone());
        let lane = *lanes.entry(key).or_insert(next);
        trace.record(
            &format!("{prefix} {lane}"),
            state,
            seconds(answer.ran.started),
            seconds(answer.ran.finished),
        );
    }
}

/// The timing of several runs of one variant.
pub fn timing<T>(runs: &[(T, Measurement)]) -> Timing {
    let measurements: Vec<Measurement> = runs.iter().map(|(_, m)| *m).collect();
    Timing::of(&measurements)
}
