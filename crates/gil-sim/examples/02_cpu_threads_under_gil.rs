//! Four CPU-bound threads under the GIL take as long as one thread doing all the work; the same
//! threads without a GIL use every core.
//!
//! Mirrors: four `threading.Thread(target=countdown, args=(n,))`, on CPython 3.12 and with no GIL
//! at all (the ideal: a real free-threaded build, 3.13t or 3.14t, pays an overhead per thread).
//! Run it: `cargo run -p gil-sim --example 02_cpu_threads_under_gil`

use std::thread;
use std::time::Instant;

use gil_sim::{Interpreter, Mode, Python, work};

const N: u64 = 3_000_000;

// ANCHOR: threads
/// Runs `countdown(N)` on four Python threads of a fresh interpreter in `mode`.
fn four_threads(mode: Mode) -> (std::time::Duration, u64) {
    let interp = Interpreter::new(mode);
    let started = Instant::now();
    thread::scope(|scope| {
        for i in 0..4 {
            let interp = &interp;
            scope.spawn(move || {
                let name = format!("thread {i}");
                Python::attach(interp, &name, |py| work::countdown(py, N))
            });
        }
    });
    (started.elapsed(), interp.switches())
}
// ANCHOR_END: threads

fn main() {
    let interp = Interpreter::new(Mode::Cpython312);
    let started = Instant::now();
    Python::attach(&interp, "main", |py| {
        (0..4).map(|_| work::countdown(py, N)).sum::<u64>()
    });
    println!("sequential:          {:?}", started.elapsed());
    for mode in [Mode::Cpython312, Mode::FreeThreaded] {
        let (wall, switches) = four_threads(mode);
        println!("4 threads, {mode}: {wall:?} ({switches} switches)");
    }
}
