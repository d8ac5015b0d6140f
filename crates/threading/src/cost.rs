//! What a thread costs to start: spawn one that does nothing and join it, many times.
//!
//! How many threads fit is the probe's question ([`crate::probe`]), asked in a child process.

use std::thread;
use std::time::{Duration, Instant};

use lesson_kit::measure;

/// Starting a thread that does nothing and joining it, `samples` times: the median of those times.
/// Python's `threading.Thread(target=f).start(); t.join()` does the same work and more.
pub fn spawn_join_median(samples: usize) -> Duration {
    let mut times: Vec<Duration> = (0..samples)
        .map(|_| {
            let started = Instant::now();
            // A thread that cannot start is not a sample: the probe, not this, studies failures.
            if let Ok(handle) = thread::Builder::new().spawn(|| {}) {
                let _ = handle.join();
            }
            started.elapsed()
        })
        .collect();
    measure::median(&mut times)
}
