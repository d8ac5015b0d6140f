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
