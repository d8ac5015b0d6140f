//! Python's `threading` primitives that Rust's standard library has no type for, each built
//! from a `Mutex` and a `Condvar`, the way CPython builds its own.
//!
//! - [`Event`]: `threading.Event`, a flag threads wait for.
//! - [`Semaphore`]: `threading.Semaphore`, at most N threads past at once.
//! - [`Lock`]: `threading.Lock` with `acquire(timeout=…)`, which `std::sync::Mutex` lacks: a
//!   deadlock then ends in a timeout the lesson can report, not in a hang.
//!
//! `threading.Condition` and `threading.Barrier` need no mirror: they are `std::sync::Condvar`
//! and `std::sync::Barrier`. And `threading.RLock` has none on purpose (see the chapter).

mod event;
mod lock;
mod semaphore;

pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use semaphore::{Permit, Semaphore};
