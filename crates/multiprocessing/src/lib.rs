//! # Multiprocessing: processes are for computing
//!
//! Python's `multiprocessing` runs work in other processes. Each has its own interpreter, its own
//! memory and its own GIL, so CPU-bound Python code runs on every core at once, which threads
//! under one GIL cannot do. The price: a process is slower to start and heavier to keep than a
//! thread, and processes share no memory, so everything they exchange is copied through a pipe.
//! This lesson builds the tool and measures all of it:
//!
//! 1. **The pool** ([`pool`]): `Pool::new(n)`, `map`, `imap_unordered`, `apply_async`, chunks,
//!    a worker that dies reported as [`BrokenPool`] and replaced; workers are this program
//!    re-executed, and tasks and results travel as serde [`frames`].
//! 2. **The image pipeline** ([`images`], [`blur`]): the article's example for real (resize, blur,
//!    JPEG) in turn, in a process pool, with rayon, and on threads under gil-sim's GIL, held and
//!    released. [`photos`] runs the same stages on the reader's own JPEGs and PNGs
//!    (`pipeline --dir PATH`).
//! 3. **The countdown**: pure computation on threads under a GIL, in processes, with rayon, on
//!    plain threads.
//! 4. **What a process costs** ([`start`]): fork, a fork server and re-executing the program
//!    (Python's three start methods), a pool's start, and a worker's memory against a thread's.
//! 5. **Talking between processes** ([`talk`]): a pipe, a queue and shared memory, and what
//!    sending data costs against sharing it.
//!
//! [`tasks::Task`] is every function the lesson's workers can run; [`experiments`] turns each
//! measurement into figures and a report; `src/main.rs` is the tour.

pub mod blur;
pub mod experiments;
pub mod frames;
pub mod images;
pub mod photos;
pub mod pool;
pub mod start;
pub mod talk;
pub mod tasks;

pub use pool::{AsyncResult, BrokenPool, Finished, Job, Pool, PoolError, TaskError};
pub use tasks::{Answer, Death, Task};
