//! The lesson's four experiments, one file each, in the order the chapter tells them, plus the
//! side-by-side comparison with CPython.
//!
//! Each experiment runs real work, then writes its findings and its verdicts on the article's
//! claims *from the figures it measured*: run it on another machine and the words change with them.

pub mod compare;
pub mod computing;
pub mod cost;
pub mod shared;
pub mod waiting;

use std::path::PathBuf;
use std::time::Duration;

use lesson_kit::Experiment;
pub use lesson_kit::report::{faster_or_slower, ratio};

/// The experiments' ids, in the tour's order: what `cargo run -p threading -- <id>` accepts.
pub const IDS: [&str; 4] = ["waiting", "computing", "shared", "cost"];

/// What the experiments may be asked to change, from the command line.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `--full`: the article's sizes (3 downloads of 3 s, 4 tasks of 2 s) and bigger counts.
    pub full: bool,
    /// `--count`: how many URLs `waiting` fetches from the local server.
    pub count: Option<usize>,
    /// `--delay-ms`: how long the local server waits before each answer.
    pub delay: Option<Duration>,
    /// `--url`: real URLs to fetch instead of the local server's.
    pub urls: Vec<String>,
    /// `--timeout-ms`: how long a fetch may take before it is given up.
    pub timeout: Option<Duration>,
    /// This program, which `cost` runs again as a child process to probe the thread limit.
    pub exe: PathBuf,
}

impl Settings {
    /// The default sizes, for tests and examples.
    pub fn new(exe: PathBuf) -> Self {
        Settings {
            full: false,
            count: None,
            delay: None,
            urls: Vec::new(),
            timeout: None,
            exe,
        }
    }

    /// `small` normally, `big` with `--full`.
    pub fn size<T>(&self, small: T, big: T) -> T {
        if self.full { big } else { small }
    }
}

/// An experiment's report, and anything that went wrong that the exit status must reflect.
#[derive(Debug)]
pub struct Outcome {
    pub experiment: Experiment,
    /// One line per failure (a URL that failed, a thread that panicked); empty when all went well.
    pub problems: Vec<String>,
}

/// Why an experiment could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    #[error("could not start the local delay server: {0}")]
    Server(#[from] lesson_kit::ServerError),
    #[error("could not build the HTTP client: {0}")]
    Client(#[from] crate::FetchError),
    #[error("could not run the thread probe ({exe}) as a child process: {source}")]
    Probe { exe: String, source: std::io::Error },
    #[error("could not run python3: {0}")]
    Python(std::io::Error),
}

/// Seconds as the renderers print them (`301.2 ms`).
pub fn seconds(s: f64) -> String {
    lesson_kit::report::format_seconds(s)
}
