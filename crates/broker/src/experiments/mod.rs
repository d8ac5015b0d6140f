//! The lesson's experiments, in the chapter's order: what the broker costs per task against the
//! process pool, and a worker killed mid-task. Each is `measure(&Settings) -> Figures` and a pure
//! `report(&Figures) -> Outcome`; lesson-kit's `Tour` (see `src/main.rs`) does the rest.
//!
//! Without `redis-server` the experiments still run what they can (the process pool's side) and
//! say how to install it.

use std::path::PathBuf;

use crate::local::{LocalError, redis_server};

pub mod compare;
pub mod cost;
pub mod images;
pub mod killed_worker;

/// The flags of this lesson, on top of lesson-kit's `--full`, `--repeat` and `--json`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Flags {
    /// How many broker workers (and process-pool workers) to start: one per core when missing.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=64))]
    pub workers: Option<u64>,
}

impl Flags {
    pub fn workers(&self) -> usize {
        self.workers.map_or_else(futures_api::cores, |n| n as usize)
    }
}

/// What every experiment of this lesson receives.
pub type Settings = lesson_kit::Settings<Flags>;

/// Why an experiment could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    #[error(transparent)]
    Local(#[from] LocalError),
    #[error(transparent)]
    Connect(#[from] crate::executor::ConnectError),
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("could not start the process pool: {0}")]
    Pool(#[from] multiprocessing::PoolError),
    #[error("the executor refused a task: {0}")]
    Submit(#[from] futures_api::SubmitError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Why the broker's side cannot run here, in the words the reader needs, or `None`.
pub fn no_broker() -> Option<String> {
    redis_server().is_none().then(|| {
        let missing = lesson_kit::Missing::RedisServer;
        format!(
            "{missing}, so the broker's side was skipped: {}, then run this again",
            missing.remedy()
        )
    })
}

/// This program, whose `worker` subcommand the local workers run.
pub fn this_program() -> std::io::Result<PathBuf> {
    std::env::current_exe()
}
