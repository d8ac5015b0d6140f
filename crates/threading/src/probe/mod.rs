//! The thread probe: how many threads one process can start, found in a child process.
//!
//! Past a limit, Rust's standard library does not always return an `Err` from `spawn`: when a
//! new thread cannot map its alternate signal stack, std *aborts the whole process*. Had the
//! lesson probed in its own process, that abort would end the lesson; in a child it is a result:
//! the parent reads how the child ended and how far it got.
//!
//! The child is this lesson's own binary, started with [`lesson_kit::child_command`] as the child
//! command `probe-threads` (registered in `main.rs` with `Tour::child`). It takes its own flags
//! ([`ProbeArgs`]) and tells the parent what happens as JSON lines on stdout, one [`Event`] per
//! line, each written at once, so that whatever it said before an abort has reached the pipe.
//!
//! The probe shares the machine: it never runs into a limit other programs share (process ids,
//! the cgroup's tasks, memory), stopping a margin short of it ([`crate::limits`]), and only one
//! probe runs at a time ([`lock`]).
//!
//! - [`child`]: the child's side, which starts the threads.
//! - [`parent`]: starts a child and reads its events into a [`parent::ProbeReport`].

pub mod child;
pub mod lock;
pub mod parent;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::limits::{Limit, PerThread};

/// The name the child command is registered under.
pub const COMMAND: &str = "probe-threads";

/// The most threads anyone may ask the probe for; the limits stop it far earlier.
pub const MAX_THREADS: u64 = 1_000_000;

/// A probe of at most this many threads takes no lock (unless given `--lock`): it cannot crowd
/// anyone, and the tests run such probes next to anything, a running tour included.
pub const SMALL: u64 = 1_000;

/// The child's flags: what the parent asks it to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, clap::Parser)]
#[command(
    name = COMMAND,
    about = "Starts threads that sleep until the process ends, reporting JSON lines (a child \
             process of the `cost` experiment)"
)]
pub struct ProbeArgs {
    /// Start at most this many threads.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    pub threads: u64,

    /// Each thread's stack in KiB (default: Rust's 2 MiB).
    #[arg(long, value_name = "KIB", value_parser = clap::value_parser!(u64).range(16..=1_048_576))]
    pub stack_kib: Option<u64>,

    /// When this many threads run, time some work and report it (`Event::Checkpoint`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS))]
    pub checkpoint: Option<u64>,

    /// How many times to time the work, before the first thread and at the checkpoint.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=20))]
    pub repeat: u64,

    /// The child ends itself after this many milliseconds, whatever happened.
    #[arg(long, value_name = "MS", default_value_t = 60_000, value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub deadline_ms: u64,

    /// The lock file that keeps two probes from running at once (default: one in the temp dir,
    /// for probes of more than 1,000 threads).
    #[arg(long, value_name = "PATH")]
    pub lock: Option<PathBuf>,
}

impl ProbeArgs {
    /// A request for `threads` threads with the defaults for everything else.
    pub fn new(threads: u64) -> Self {
        ProbeArgs {
            threads,
            stack_kib: None,
            checkpoint: None,
            repeat: 3,
            deadline_ms: 60_000,
            lock: None,
        }
    }

    /// The flags that ask a child for this.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = vec![
            format!("--threads={}", self.threads),
            format!("--repeat={}", self.repeat),
            format!("--deadline-ms={}", self.deadline_ms),
        ];
        if let Some(kib) = self.stack_kib {
            args.push(format!("--stack-kib={kib}"));
        }
        if let Some(n) = self.checkpoint {
            args.push(format!("--checkpoint={n}"));
        }
        if let Some(lock) = &self.lock {
            args.push(format!("--lock={}", lock.display()));
        }
        args
    }

    /// The lock file to take: the one given, else the default one for a probe bigger than
    /// [`SMALL`], else none.
    pub fn lock_path(&self) -> Option<PathBuf> {
        match &self.lock {
            Some(path) => Some(path.clone()),
            None => (self.threads > SMALL).then(lock::default_path),
        }
    }
}

/// One line of the child's report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// Another probe holds the lock: this one started no thread.
    Refused { reason: String },
    /// Before the first thread: the process's memory, and the work timed with no extra thread.
    Before(Before),
    /// The probe will stop at `threads`, short of what it was asked for, to leave room for other
    /// programs under the shared limit `limit`.
    Bound { threads: u64, limit: String },
    /// `threads` threads have started (one line per thread: after an abort, the last one says
    /// how far the child got).
    Spawned { threads: u64 },
    /// What one more thread costs, measured between the 100th and the 1,000th thread, and the
    /// limits read with it.
    PerThread {
        per_thread: PerThread,
        limits: Vec<Limit>,
    },
    /// `--checkpoint` threads are running.
    Checkpoint(Checkpoint),
    /// The child stopped starting threads, and why; it exits right after.
    Stopped(Stopped),
}

/// The child before its first thread.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Before {
    /// Resident memory (Linux only).
    pub rss_bytes: Option<u64>,
    /// Memory mappings (Linux only).
    pub maps: Option<u64>,
    pub work: Work,
}

/// The same work timed `--repeat` times, before the first thread and again at the checkpoint:
/// do many sleeping threads slow the program down?
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Work {
    /// Seconds of a countdown sized to about 10 ms, on the child's main thread.
    pub countdown_s: Vec<f64>,
    /// The median seconds to start and join one thread (over 100), each time.
    pub spawn_join_s: Vec<f64>,
}

/// The checkpoint: how many threads ran, since when, and what the work cost with them alive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub threads: u64,
    /// Seconds from the first spawn until all of them were running.
    pub elapsed_s: f64,
    /// Resident memory with all of them alive (Linux only).
    pub rss_bytes: Option<u64>,
    pub work: Work,
}

/// How the child stopped starting threads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stopped {
    pub threads: u64,
    pub elapsed_s: f64,
    pub rss_bytes: Option<u64>,
    pub why: Why,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "kebab-case")]
pub enum Why {
    /// Every thread it was asked for started.
    Reached,
    /// It stopped at the bound that leaves room for other programs (see `Event::Bound`).
    Bound,
    /// `spawn` returned this error.
    SpawnFailed { error: String },
    /// The deadline passed first.
    Deadline,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_big_probe_or_one_given_a_lock_takes_one() {
        assert_eq!(ProbeArgs::new(SMALL).lock_path(), None);
        assert_eq!(
            ProbeArgs::new(SMALL + 1).lock_path(),
            Some(lock::default_path())
        );
        let mut asked = ProbeArgs::new(10);
        asked.lock = Some("/tmp/mine.lock".into());
        assert_eq!(asked.lock_path(), Some("/tmp/mine.lock".into()));
    }
}
