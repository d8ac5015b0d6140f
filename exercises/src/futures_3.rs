//! # futures-3: choose the executor and its size
//!
//! Three workloads; for each, choose how to run it: `Threads(n)` is `ThreadPoolExecutor(n)`,
//! `Processes(n)` is `ProcessPoolExecutor(n)`, `Coroutines` is one asyncio task per job on one
//! event loop. The checks run each workload with your choice (downloads from the lesson's local
//! server; computing "in Python", under one simulated GIL per process) and compare it with the
//! others:
//!
//! - `FortyDownloads`: 40 downloads of 200 ms. Every download should be waiting at once, on as few
//!   threads as that takes (no more than 40);
//! - `ThousandConnections`: 1,000 connections of 200 ms, all open at once, on no more than 64
//!   threads (a thread each costs a stack);
//! - `EightComputations`: 8 countdowns that compute the whole time, on a machine with `cores`
//!   cores: they must run in parallel, and more workers than cores only take turns.
//!
//! Check it: `cargo run -p exercise-check -- check futures-3`.
//! Stuck? `cargo run -p exercise-check -- hint futures-3` gives one more hint each time you ask.

/// A workload to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    FortyDownloads,
    ThousandConnections,
    EightComputations,
}

/// How to run it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    Threads(usize),
    Processes(usize),
    Coroutines,
}

/// The executor, and its size, for `workload` on a machine with `cores` cores.
pub fn choose(workload: Workload, cores: usize) -> Choice {
    // TODO: one arm per workload. The article's decision tree: waiting, a few dozen tasks →
    // threads; waiting, thousands → asyncio; computing → processes.
    todo!("choose for {workload:?} on {cores} cores")
}
