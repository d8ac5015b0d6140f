//! # concurrent.futures in Rust: one API over threads and processes
//!
//! Python's `concurrent.futures` puts one interface in front of two pools: `submit` a task, get a
//! `Future`, wait on it, on many (`as_completed`, `wait`), or `map` a function over inputs. Which
//! pool runs the work is one word: `ThreadPoolExecutor` for work that waits, `ProcessPoolExecutor`
//! for work that computes (under a GIL). This lesson builds that interface and measures the
//! choice:
//!
//! 1. **The API** ([`Executor`], [`TaskFuture`], [`as_completed`], [`wait`]): the same semantics
//!    point by point (cancel fails once running, callbacks in order, `map` in input order with a
//!    timeout from the call, `shutdown(wait, cancel_futures)`, a dead worker as
//!    [`BrokenExecutor`]), over a thread pool ([`ThreadPoolExecutor`]) and the multiprocessing
//!    lesson's process pool ([`ProcessPoolExecutor`], reused, not copied).
//! 2. **The tour**: the article's two snippets through one API; the pool size as a limit on
//!    concurrency; `chunksize` for many tiny tasks; completion order; and `advise`, the article's
//!    decision tree answered with a demonstration on this machine.
//!
//! Tasks are values of [`tasks::Task`], a registered serde type: what a process can receive. A
//! closure cannot be sent to a process, and the compiler says so (see [`ProcessPoolExecutor`]).

pub mod advice;
pub mod executor;
pub mod experiments;
pub mod future;
pub mod gates;
pub mod process_pool;
pub mod tasks;
pub mod thread_pool;
pub mod waiting;

pub use executor::{Executor, Job, MapOptions, SubmitError};
pub use future::{BrokenExecutor, FutureError, TaskFuture};
pub use process_pool::{OnBrokenWorker, ProcessPoolExecutor};
pub use thread_pool::ThreadPoolExecutor;
pub use waiting::{DoneAndNotDone, ReturnWhen, as_completed, wait};

/// This machine's cores, as the standard library sees them (`os.process_cpu_count()`).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}
