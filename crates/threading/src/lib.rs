//! # Threading: threads are for waiting
//!
//! Python's `threading` module runs several threads in one process. They share its memory and, in
//! CPython, its Global Interpreter Lock: only the thread holding the GIL runs Python code, and a
//! thread lets go of it while it waits for I/O. This lesson measures what follows from that, with
//! Rust threads standing in for Python's:
//!
//! 1. **Waiting** ([`fetch`](mod@fetch)): fetching N URLs one after another takes N delays; on N threads it
//!    takes about one, because waiting threads overlap. The local server counts how many requests
//!    it had in flight at once: that count, not a stopwatch, proves the overlap.
//! 2. **Computing** ([`compute`]): four CPU-bound tasks on Rust threads run on every core, since
//!    Rust has no GIL; the same tasks under gil-sim's simulated GIL take turns and gain nothing.
//! 3. **Shared memory** ([`counter`]): threads share variables, so they can race. A counter
//!    updated by a load and then a store loses updates; `fetch_add` or a `Mutex` does not.
//! 4. **Cost** ([`cost`], [`probe`], [`limits`]): starting a thread takes microseconds, 10,000
//!    sleeping threads are fine, and the real ceiling, near 16,000 threads on a default Linux, is
//!    a limit on memory mappings, which the lesson finds in a child process and names, stopping
//!    short of every limit other programs share.
//! 5. **Coordinating threads**: `queue.Queue` becomes a channel ([`pipeline`], with
//!    backpressure); `Lock` a `Mutex`, and deadlock a timeout ([`locking`]); `Event`,
//!    `Condition`, `Semaphore` and `Barrier` their Rust counterparts ([`signals`], [`sync`]);
//!    daemon threads what every Rust thread is when `main` returns ([`ending`](mod@ending)).
//!
//! [`threads::run_threads`] is the spawn-and-join helper the experiments share: it returns each
//! thread's value, or the panic that ended it, in order. [`experiments`] holds each experiment's
//! `measure` and `report`; `src/main.rs` is the guided tour that runs them.

pub mod compute;
pub mod cost;
pub mod counter;
pub mod ending;
pub mod experiments;
pub mod fetch;
pub mod limits;
pub mod locking;
pub mod pipeline;
pub mod probe;
pub mod signals;
pub mod sync;
pub mod threads;

pub use fetch::{Client, FetchError, FetchResult, fetch, fetch_all_sequential, fetch_all_threaded};
pub use threads::{ThreadError, run_threads};
