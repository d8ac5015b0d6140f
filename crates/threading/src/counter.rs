//! Threads share their process's memory: one counter, incremented by many threads at once.
//!
//! In Python, `counter += 1` is a read, an add and a write; a thread switch between the read and
//! the write loses the other thread's update. Rust refuses to compile the plain version (a `&mut
//! u64` cannot be shared), but it happily compiles the same mistake written with an atomic: a
//! `load` followed by a `store`. Each step is atomic; the pair is not. That is a *race condition*,
//! and no type system stops it: only the programmer's choice of operation does.
//!
//! Three ways to count, one function each:
//! - [`load_then_store`]: read, add one, write back. Loses updates.
//! - [`fetch_add`]: one indivisible read-modify-write instruction. Loses nothing.
//! - [`with_mutex`]: `threading.Lock()` around the increment. Loses nothing; costs a lock per step.
//!
//! Every thread waits at a [`Barrier`] before it counts, so that all of them count at the same
//! time: without it the first thread can finish its loop before the last has started, and the
//! race would hide on a busy machine.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;

/// What one counting run ended with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Count {
    /// `threads × increments`: what the counter should say.
    pub expected: u64,
    /// What it says.
    pub counted: u64,
}

impl Count {
    /// Updates that vanished: two threads read the same value and both wrote value + 1.
    pub fn lost(&self) -> u64 {
        self.expected.saturating_sub(self.counted)
    }
}

/// `counter = counter + 1` written as two atomic steps. Compiles; loses updates.
pub fn load_then_store(threads: usize, increments: u64) -> Count {
    let counter = AtomicU64::new(0);
    let start_line = Barrier::new(threads);
    thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                start_line.wait();
                for _ in 0..increments {
                    // Relaxed is not the bug: SeqCst loses updates just the same. The bug is the
                    // gap between the two calls, where another thread's store gets overwritten.
                    let seen = counter.load(Ordering::Relaxed);
                    counter.store(seen + 1, Ordering::Relaxed);
                }
            });
        }
    });
    Count {
        expected: threads as u64 * increments,
        counted: counter.into_inner(),
    }
}

/// The increment as one indivisible step (`lock xadd` on x86): no thread can slip in between.
pub fn fetch_add(threads: usize, increments: u64) -> Count {
    let counter = AtomicU64::new(0);
    let start_line = Barrier::new(threads);
    thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                start_line.wait();
                for _ in 0..increments {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    Count {
        expected: threads as u64 * increments,
        counted: counter.into_inner(),
    }
}

/// The Python fix, `with lock: counter += 1`: a `Mutex` makes read, add and write one step.
pub fn with_mutex(threads: usize, increments: u64) -> Count {
    let counter = Mutex::new(0u64);
    let start_line = Barrier::new(threads);
    thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                start_line.wait();
                for _ in 0..increments {
                    // A poisoned lock means another thread panicked mid-increment; the number is
                    // still a number, so keep counting rather than panic here too.
                    *counter.lock().unwrap_or_else(|p| p.into_inner()) += 1;
                }
            });
        }
    });
    Count {
        expected: threads as u64 * increments,
        counted: counter.into_inner().unwrap_or_else(|p| p.into_inner()),
    }
}
