//! The checks of futures-3, shared by `exercises` and `solutions`.
//!
//! Each workload runs with the learner's choice; what is compared are counts, not times: how many
//! downloads the local server had in flight at once, how many threads that took, and how many
//! processes the computations ran in. The process pool's workers are the exercises' worker program
//! (`exercises/worker.rs`, as `--futures-worker`).

use std::io;
use std::process::Command;
use std::time::Duration;

use futures_api::experiments::pool_size::{on_coroutines, on_threads};
use futures_api::tasks::Task;
use futures_api::{Executor, MapOptions, OnBrokenWorker, ProcessPoolExecutor, ThreadPoolExecutor};
use lesson_kit::DelayServer;

use crate::harness::Check;
use crate::target::futures_3::{Choice, Workload, choose};

pub const CHECKS: &[Check] = &[
    Check {
        name: "forty_downloads_all_wait_at_once",
        run: forty_downloads_all_wait_at_once,
    },
    Check {
        name: "a_thousand_connections_on_few_threads",
        run: a_thousand_connections_on_few_threads,
    },
    Check {
        name: "computations_run_in_one_process_per_core",
        run: computations_run_in_one_process_per_core,
    },
];

/// The worker program: `exercises-worker` or `solutions-worker` (see exercises/Cargo.toml).
const WORKER_PROGRAM: &str = env!(concat!("CARGO_BIN_EXE_", env!("CARGO_PKG_NAME"), "-worker"));

fn futures_worker() -> io::Result<Command> {
    let mut command = Command::new(WORKER_PROGRAM);
    command.arg("--futures-worker");
    Ok(command)
}

/// Runs `count` downloads of 200 ms with `choice`; answers the peak in flight. Processes are
/// refused before anything runs: a process per download waits the same and costs a start.
fn downloads(choice: Choice, count: usize, most_threads: usize) -> u64 {
    let server = DelayServer::start().expect("the local server starts");
    let urls: Vec<String> = (0..count)
        .map(|_| server.delay_url(Duration::from_millis(200)))
        .collect();
    lesson_kit::os::ensure_open_files(2 * count as u64 + 64).expect("enough open files");
    let ran = match choice {
        Choice::Threads(n) => {
            assert!(
                n <= most_threads,
                "{choice:?}: {n} threads for {count} waits; the most this workload allows is \
                 {most_threads}"
            );
            on_threads(n.max(1), &urls)
        }
        Choice::Coroutines => on_coroutines(&urls),
        Choice::Processes(_) => panic!(
            "{choice:?} for downloads: each process would only wait, as a thread does, after \
             costing a start; processes are for computing"
        ),
    };
    ran.expect("every download succeeds");
    server.peak_in_flight()
}

fn forty_downloads_all_wait_at_once() {
    let choice = choose(Workload::FortyDownloads, lesson_kit::Machine::this().cores);
    let peak = downloads(choice, 40, 40);
    let four = {
        let server = DelayServer::start().expect("the local server starts");
        let urls: Vec<String> = (0..8)
            .map(|_| server.delay_url(Duration::from_millis(50)))
            .collect();
        on_threads(4, &urls).expect("every download succeeds");
        server.peak_in_flight()
    };
    assert_eq!(
        peak, 40,
        "{choice:?}: only {peak} of the 40 downloads waited at once (the article's 4 threads: {four})"
    );
}

fn a_thousand_connections_on_few_threads() {
    let choice = choose(
        Workload::ThousandConnections,
        lesson_kit::Machine::this().cores,
    );
    let peak = downloads(choice, 1000, 64);
    assert_eq!(
        peak, 1000,
        "{choice:?}: only {peak} of the 1,000 connections were open at once"
    );
}

fn computations_run_in_one_process_per_core() {
    let cores = lesson_kit::Machine::this().cores;
    let choice = choose(Workload::EightComputations, cores);
    let tasks: Vec<Task> = (0..8).map(|_| Task::Countdown(200_000)).collect();
    let answers: Vec<_> = match choice {
        Choice::Processes(n) => {
            assert_eq!(
                n,
                cores.min(8),
                "{choice:?} on {cores} cores: one process per core (more only take turns)"
            );
            let executor =
                ProcessPoolExecutor::with_command(n, OnBrokenWorker::BreakThePool, futures_worker)
                    .expect("the worker processes start");
            executor.map(tasks, MapOptions::default()).collect()
        }
        Choice::Threads(n) => {
            let executor = ThreadPoolExecutor::new(n.max(1));
            executor.map(tasks, MapOptions::default()).collect()
        }
        Choice::Coroutines => panic!(
            "{choice:?} for computing: an event loop runs one coroutine at a time on one thread"
        ),
    };
    let mut pids: Vec<u32> = answers
        .into_iter()
        .map(|a| a.expect("every countdown finishes").ran.pid)
        .collect();
    pids.sort();
    pids.dedup();
    assert_eq!(
        pids.len(),
        cores.min(8),
        "{choice:?}: the countdowns ran in {} process(es), so under {} GIL(s); {cores} cores \
         could run {} at once",
        pids.len(),
        pids.len(),
        cores.min(8)
    );
}
