//! # futures-3: choose the executor and its size (model answer)
//!
//! What `cargo run -p futures-api -- advise` answers: a thread per download while they are a few
//! dozen, coroutines when they are a thousand, a process per core for computing.

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
    match workload {
        // The pool size is how many waits overlap: one thread per download.
        Workload::FortyDownloads => Choice::Threads(40),
        // A thousand stacks against a few hundred bytes a task.
        Workload::ThousandConnections => Choice::Coroutines,
        // One interpreter, one GIL, per core.
        Workload::EightComputations => Choice::Processes(cores.min(8)),
    }
}
