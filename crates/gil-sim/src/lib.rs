//! # gil-sim: a GIL you can watch
//!
//! Rust has no GIL. This crate gives a learner one — CPython's own protocol, on real threads —
//! so that "threads do not speed up CPU-bound Python" is something they measure and see on a
//! timeline, not something they are told.
//!
//! - [`Interpreter`] is one simulated CPython interpreter: its GIL, its switch interval and its
//!   [`Mode`] (CPython 3.12, the legacy pre-3.2 GIL, no GIL at all — the ideal, 3.13t, 3.14t —,
//!   one GIL per interpreter).
//! - [`Python::attach`] makes a Rust thread a Python thread; the [`Python`] token proves it holds
//!   the GIL. [`Python::check`] is the eval loop's checkpoint, where the holder honours a drop
//!   request; [`Python::detach`] releases the GIL around blocking I/O or native code.
//! - [`work`] is the work every experiment runs: an interpreted `countdown` and a native hash.
//! - [`sys`] has `setswitchinterval` / `getswitchinterval`.
//! - [`model`] runs the same protocol in virtual time: deterministic timelines for the book and
//!   the tests, and predictions the real threads are held against.
//! - [`sliders`] runs the model for every setting of the GIL chapter's sliders (the book's
//!   interactive figure).
//! - [`interpreters`] mirrors 3.14's `concurrent.interpreters` and `InterpreterPoolExecutor`:
//!   several interpreters, a GIL each, and data that crosses between them by copy.
//! - [`http`] is a minimal HTTP client whose every socket call can sit in its own `py.detach`.
//! - [`experiments`] are the lesson's experiments; [`experiments::compare`] holds them against
//!   CPython.
//!
//! The lock itself is in `gil.rs` (CPython 3.12's `Python/ceval_gil.c`, function by function, on
//! `pthread_mutex_t` and `pthread_cond_t` from `pthread.rs`) and `legacy.rs` (CPython 2's lock,
//! a POSIX semaphore on Linux).

pub mod experiments;
pub mod gil;
pub mod http;
mod interpreter;
pub mod interpreters;
pub mod legacy;
mod mode;
pub mod model;
mod python;
mod recorder;
pub mod slider_measurements;
pub mod sliders;
pub mod sys;
pub mod work;

// CPython's lock primitives: pthreads on Unix; elsewhere std's, behind the same names.
#[cfg(unix)]
mod pthread;
#[cfg(not(unix))]
#[path = "pthread_std.rs"]
mod pthread;
// On Unix the fallback is still compiled and tested, so that it cannot rot unseen.
#[cfg(all(unix, test))]
mod pthread_std;

pub use interpreter::{DEFAULT_SWITCH_INTERVAL, Interpreter};
pub use mode::Mode;
pub use python::{Python, Ungil};
