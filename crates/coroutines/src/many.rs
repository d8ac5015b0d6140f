//! Many sleeping tasks, and the ways to wait for them all: what a task costs.
//!
//! Each way runs in a child process of its own (`coroutines --child how-many ...`), so that its
//! peak memory is its own: a process's peak RSS only ever grows, and the parent's would be the
//! largest run's whatever came after. The child prints one JSON line, [`ChildFigures`]; the
//! parent reads the child's peak RSS from the kernel (`wait4`).

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use futures_util::stream::{FuturesUnordered, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

use crate::allocator::{self, Allocator};

/// The child's name: `coroutines --child how-many --way spawn --tasks 10000 --sleep-ms 2000`.
pub const COMMAND: &str = "how-many";

/// How the tasks are started and waited for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Way {
    /// `tokio::spawn` each, then `.await` every `JoinHandle` in turn: `asyncio.create_task`.
    Spawn,
    /// The same as `Spawn`, in a child on glibc's `malloc` instead of mimalloc: see
    /// [`crate::allocator`].
    SpawnSystemMalloc,
    /// A `JoinSet`: `asyncio.TaskGroup`.
    JoinSet,
    /// No tasks: the futures polled in place by one `FuturesUnordered`.
    FuturesUnordered,
    /// `futures::future::join_all` of the `JoinHandle`s: `asyncio.gather`'s shape.
    JoinAll,
    /// Tasks that share one timer: each waits for a `watch` channel that one sleeper updates.
    SharedTimer,
    /// One OS thread each, sleeping: the threading lesson's cost, for scale.
    Threads,
}

impl Way {
    pub const ALL: [Way; 7] = [
        Way::Spawn,
        Way::SpawnSystemMalloc,
        Way::JoinSet,
        Way::JoinAll,
        Way::FuturesUnordered,
        Way::SharedTimer,
        Way::Threads,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Way::Spawn => "spawn + JoinHandles",
            Way::SpawnSystemMalloc => "spawn, glibc malloc",
            Way::JoinSet => "JoinSet",
            Way::FuturesUnordered => "FuturesUnordered",
            Way::JoinAll => "join_all(handles)",
            Way::SharedTimer => "spawn, one shared timer",
            Way::Threads => "OS threads",
        }
    }
}

/// The child's flags.
#[derive(Debug, Parser)]
#[command(name = COMMAND)]
pub struct ChildArgs {
    #[arg(long, value_enum)]
    pub way: Way,
    #[arg(long)]
    pub tasks: u64,
    #[arg(long)]
    pub sleep_ms: u64,
}

/// What the child prints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChildFigures {
    /// Tasks that finished: all of them, or the run says so.
    pub finished: u64,
    /// Seconds to start every task.
    pub start_s: f64,
    /// Seconds from the first start to the last finish.
    pub wall_s: f64,
    /// The size of one task's future, in bytes (0 for threads): what `spawn` has to store.
    pub future_bytes: u64,
    /// The allocator the child ran on.
    pub allocator: Allocator,
}

/// `coroutines --child how-many ARGS…`.
pub fn child_main(args: Vec<OsString>) -> ExitCode {
    let args = match ChildArgs::try_parse_from(std::iter::once(COMMAND.into()).chain(args)) {
        Ok(args) => args,
        Err(error) => error.exit(),
    };
    let figures = match args.way {
        Way::Threads => threads(args.tasks, Duration::from_millis(args.sleep_ms)),
        way => match crate::runtime::current_thread() {
            Ok(runtime) => {
                runtime.block_on(tasks(way, args.tasks, Duration::from_millis(args.sleep_ms)))
            }
            Err(error) => {
                eprintln!("could not build the runtime: {error}");
                return ExitCode::FAILURE;
            }
        },
    };
    let printed = serde_json::to_string(&figures)
        .map_err(std::io::Error::from)
        .and_then(|json| writeln!(std::io::stdout(), "{json}"));
    match printed {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

/// One task: sleep, then say it finished.
async fn nap(sleep: Duration) -> u64 {
    tokio::time::sleep(sleep).await;
    1
}

/// Starts `count` tasks that each sleep `sleep`, the `way` given, and waits for them all.
pub async fn tasks(way: Way, count: u64, sleep: Duration) -> ChildFigures {
    let future_bytes = std::mem::size_of_val(&nap(sleep)) as u64;
    let started = Instant::now();
    let (finished, start_s) = match way {
        Way::Spawn | Way::SpawnSystemMalloc => {
            let handles: Vec<_> = (0..count).map(|_| tokio::spawn(nap(sleep))).collect();
            let start_s = started.elapsed().as_secs_f64();
            let mut finished = 0;
            for handle in handles {
                finished += handle.await.unwrap_or(0);
            }
            (finished, start_s)
        }
        Way::JoinSet => {
            let mut set = JoinSet::new();
            for _ in 0..count {
                set.spawn(nap(sleep));
            }
            let start_s = started.elapsed().as_secs_f64();
            let mut finished = 0;
            while let Some(done) = set.join_next().await {
                finished += done.unwrap_or(0);
            }
            (finished, start_s)
        }
        Way::FuturesUnordered => {
            let mut naps: FuturesUnordered<_> = (0..count).map(|_| nap(sleep)).collect();
            let start_s = started.elapsed().as_secs_f64();
            let mut finished = 0;
            while let Some(done) = naps.next().await {
                finished += done;
            }
            (finished, start_s)
        }
        Way::JoinAll => {
            let handles: Vec<_> = (0..count).map(|_| tokio::spawn(nap(sleep))).collect();
            let start_s = started.elapsed().as_secs_f64();
            let done = futures_util::future::join_all(handles).await;
            (done.into_iter().map(|d| d.unwrap_or(0)).sum(), start_s)
        }
        Way::SharedTimer => return shared_timer(count, sleep).await,
        Way::Threads => return threads(count, sleep),
    };
    ChildFigures {
        finished,
        start_s,
        wall_s: started.elapsed().as_secs_f64(),
        future_bytes,
        allocator: allocator::current(),
    }
}

/// Every task waits for one `watch` channel; one sleeper sends when the time is up. A task then
/// holds a receiver (a pointer and a version) instead of a timer entry of its own.
async fn shared_timer(count: u64, sleep: Duration) -> ChildFigures {
    let (alarm, woken) = tokio::sync::watch::channel(false);
    let wait = |mut woken: tokio::sync::watch::Receiver<bool>| async move {
        u64::from(woken.wait_for(|&rang| rang).await.is_ok())
    };
    let future_bytes = std::mem::size_of_val(&wait(woken.clone())) as u64;
    let started = Instant::now();
    let handles: Vec<_> = (0..count)
        .map(|_| tokio::spawn(wait(woken.clone())))
        .collect();
    let start_s = started.elapsed().as_secs_f64();
    tokio::time::sleep(sleep).await;
    let _ = alarm.send(true);
    let mut finished = 0;
    for handle in handles {
        finished += handle.await.unwrap_or(0);
    }
    ChildFigures {
        finished,
        start_s,
        wall_s: started.elapsed().as_secs_f64(),
        future_bytes,
        allocator: allocator::current(),
    }
}

/// One sleeping OS thread per task, with a small stack (64 KiB): the cheapest a thread gets.
fn threads(count: u64, sleep: Duration) -> ChildFigures {
    let started = Instant::now();
    let handles: Vec<_> = (0..count)
        .map_while(|_| {
            std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || std::thread::sleep(sleep))
                .ok()
        })
        .collect();
    let start_s = started.elapsed().as_secs_f64();
    let finished = handles.into_iter().filter_map(|h| h.join().ok()).count() as u64;
    ChildFigures {
        finished,
        start_s,
        wall_s: started.elapsed().as_secs_f64(),
        future_bytes: 0,
        allocator: allocator::current(),
    }
}
