//! A stampede: 1,000 Python threads wait for one event, then all want the GIL at once. They run
//! one at a time, the GIL passing from each to the next.
//!
//! Mirrors: 1,000 `threading.Thread`s blocked in `event.wait()` until `event.set()`, each then
//! running a short countdown (python/stampede.py).
//! Run it: `cargo run -p gil-sim --example 07_stampede`

use std::sync::Barrier;
use std::thread;
use std::time::Instant;

use gil_sim::{Interpreter, Mode, Python, work};

const THREADS: usize = 1_000;

fn main() {
    let interp = Interpreter::new(Mode::Cpython312);
    // ANCHOR: stampede
    // Every thread, and the main thread that lets them go.
    let go = Barrier::new(THREADS + 1);
    let woken = thread::scope(|scope| {
        for i in 0..THREADS {
            let (interp, go) = (&interp, &go);
            scope.spawn(move || {
                go.wait(); // blocked without the GIL, like `event.wait()`
                Python::attach(interp, &format!("thread {i}"), |py| {
                    work::countdown(py, 2_000)
                });
            });
        }
        go.wait(); // `event.set()`: all 1,000 wake at once
        Instant::now()
    }); // the scope returns once every thread has finished
    // ANCHOR_END: stampede
    println!(
        "{THREADS} threads finished {:?} after the event; the GIL changed hands {} times",
        woken.elapsed(),
        interp.switches()
    );
}
