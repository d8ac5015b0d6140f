//! The lesson's experiments, one file each, in the order the chapter tells them, plus the
//! side-by-side comparison with CPython.
//!
//! Each experiment is two functions: `measure(&Settings) -> Figures` runs the threads and returns
//! typed figures; `report(&Figures) -> Outcome` writes the findings and the verdicts on the claims
//! *from those figures*: run it on another machine and the words change with them. lesson-kit's
//! `Tour` (see `src/main.rs`) does the rest.

pub mod compare;
pub mod computing;
pub mod cost;
pub mod ending;
pub mod locks;
pub mod pipeline;
pub mod shared;
pub mod signals;
pub mod waiting;

/// The flags of this lesson, on top of lesson-kit's `--full`, `--repeat` and `--json`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Flags {
    /// How many URLs `waiting` fetches from the local server.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub count: Option<u64>,

    /// How long the local server waits before each answer, in milliseconds.
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub delay_ms: Option<u64>,

    /// Fetch this URL instead of the local server's (repeat for several).
    #[arg(long = "url", value_name = "URL")]
    pub urls: Vec<String>,

    /// Give up on a URL after this many milliseconds, headers and body (default: 10 s, or 3
    /// delays if longer).
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout_ms: Option<u64>,

    /// How many sleeping threads `cost` starts at once (default: the article's 10,000; its claim
    /// is judged only at that number).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub threads: Option<u64>,
}

/// What every experiment of this lesson receives.
pub type Settings = lesson_kit::Settings<Flags>;

/// Why an experiment could not run at all (a failed URL is not this: it is a problem the
/// experiment reports, and the rest of its work completes).
#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    #[error("could not start the local delay server: {0}")]
    Server(#[from] lesson_kit::ServerError),
    #[error("could not build the HTTP client: {0}")]
    Client(#[from] crate::FetchError),
    #[error("{0}")]
    OpenFiles(#[from] lesson_kit::os::LimitError),
    #[error("could not start the thread probe (this program's own child process): {0}")]
    Probe(std::io::Error),
    #[error("could not start this program's own child process: {0}")]
    Child(std::io::Error),
}
