//! The lesson's experiments, one file each, in the chapter's order, plus the comparison with
//! CPython's asyncio.
//!
//! Each is `measure(&Settings) -> Figures`, a plain function that builds the runtime it is about
//! and `block_on`s it (the tour is synchronous, as a Python script calling `asyncio.run` is), and
//! a pure `report(&Figures) -> Outcome`.

pub mod blocking;
pub mod cancel;
pub mod chef;
pub mod compare;
pub mod gather;
pub mod how_many;
pub mod servers;

/// The flags of this lesson, on top of lesson-kit's `--full`, `--repeat` and `--json`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Flags {
    /// How many downloads `gather` makes from the local server (default 10, 100 with --full).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub count: Option<u64>,

    /// How long the local server (and the article's pretend fetch) waits, in milliseconds.
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub delay_ms: Option<u64>,

    /// The largest number of tasks `how-many` starts (default 10,000; 1,000,000 with --full).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub tasks: Option<u64>,

    /// How many clients `servers` connects at once (default 1,000; 10,000 with --full).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=20_000))]
    pub clients: Option<u64>,
}

/// What every experiment of this lesson receives.
pub type Settings = lesson_kit::Settings<Flags>;

/// Why an experiment could not run at all (a failed download is not this: it is a problem the
/// experiment reports, and the rest of its work completes).
#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    #[error("could not start the local delay server: {0}")]
    Server(#[from] lesson_kit::ServerError),
    #[error("could not build the HTTP client: {0}")]
    Client(#[from] crate::fetch::FetchError),
    #[error("could not build a tokio runtime: {0}")]
    Runtime(std::io::Error),
    #[error("{0}")]
    OpenFiles(#[from] lesson_kit::os::LimitError),
    #[error("could not start this program's own child process: {0}")]
    Child(std::io::Error),
    #[error("the child process `{0}` did not say what it measured: {1}")]
    ChildOutput(String, String),
}
