//! # gil-sim-3: native code that lets go of the GIL (a model answer)
//!
//! See `exercises/src/gil_sim_3.rs` for the task.

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
                        // Like hashlib on a large buffer: release the GIL for the C part, so the
                        // other threads' calls run on other cores at the same time.
                        py.detach(|| native(i))
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
