//! No GIL is not thread-safe: four threads run `counter += 1` on one counter, under the GIL and
//! with none. Under the GIL nothing is lost; without it, updates are.
//!
//! Mirrors: four `threading.Thread`s each running `for _ in range(n): counter += 1`, on CPython
//! 3.11 and on a free-threaded build (python/race.py).
//! Run it: `cargo run -p gil-sim --example 11_count_race`

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::thread;
use std::time::Duration;

use gil_sim::{Interpreter, Mode, Python, sys, work};

const THREADS: u64 = 4;
const N: u64 = 1_000_000;

fn main() {
    for mode in [Mode::Cpython312, Mode::FreeThreaded] {
        let interp = Interpreter::new(mode);
        // Switch as often as CPython lets it: the GIL still never splits a `+= 1`.
        sys::setswitchinterval(&interp, Duration::from_micros(1));
        // ANCHOR: race
        let counter = AtomicU64::new(0);
        thread::scope(|scope| {
            for i in 0..THREADS {
                let (interp, counter) = (&interp, &counter);
                scope.spawn(move || {
                    let lane = format!("thread {i}");
                    Python::attach(interp, &lane, |py| {
                        // A read, a write, a checkpoint:
                        // `counter += 1` in a loop.
                        work::count_up(py, counter, N);
                    });
                });
            }
        });
        let lost = THREADS * N - counter.load(Relaxed);
        // ANCHOR_END: race
        println!(
            "{mode:?}: counted {} of {}, lost {lost}",
            counter.load(Relaxed),
            THREADS * N
        );
    }
}
