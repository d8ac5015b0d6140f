//! # gil-sim-3: native code that lets go of the GIL
//!
//! A C extension (hashlib, zlib, NumPy, Pillow) does its heavy work in C. If it keeps the GIL
//! while it computes, every other Python thread waits for the whole call; if it releases the GIL
//! first, threads calling it run on all your cores at once.
//!
//! `run_native_on_threads` calls a "native" function from `threads` Python threads of a simulated
//! CPython (`gil_sim`). As written, each call holds the GIL, so the calls run one at a time.
//! Make the native call release the GIL so that all of them can run at the same moment. The
//! function touches no Python objects, which is what makes releasing the GIL safe.
//!
//! Check it: `cargo run -p exercise-check -- check gil-sim-3` (or `just check gil-sim-3`).
//! Stuck? `cargo run -p exercise-check -- hint gil-sim-3` gives one more hint each time you ask.

use std::thread;

use gil_sim::{Interpreter, Python};

/// Calls `native(i)` on Python thread `i`, for `i` in `0..threads`; returns the results in order.
pub fn run_native_on_threads(
    interp: &Interpreter,
    threads: usize,
    native: impl Fn(usize) -> u64 + Sync,
) -> Vec<u64> {
    thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let native = &native;
                scope.spawn(move || {
                    Python::attach(interp, &format!("thread {}", i + 1), |py| {
                        // TODO: this native call keeps the GIL for its whole length, so no other
                        // thread can run. It needs no Python objects: release the GIL around it.
                        native(i)
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            // A panic in native code is a bug in the caller's function: pass it on.
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}
