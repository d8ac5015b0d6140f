//! The pre-3.2 GIL on a multicore machine: the thread that releases the lock every 100 ticks
//! wins it straight back, and two threads are slower than one.
//!
//! Mirrors: Beazley's 2009 experiment, two countdown threads on Python 2.6 on two cores.
//! Run it: `cargo run -p gil-sim --example 09_legacy_battle`

use std::time::Instant;

use gil_sim::{Interpreter, Mode, Python, work};

const N: u64 = 2_000_000;

fn main() {
    let interp = Interpreter::new(Mode::Cpython312);
    let started = Instant::now();
    Python::attach(&interp, "main", |py| work::countdown(py, 2 * N));
    println!("one thread:              {:?}", started.elapsed());
    for mode in [Mode::Legacy, Mode::Cpython312] {
        // ANCHOR: battle
        let interp = Interpreter::new(mode);
        let countdown = |py: Python<'_>| work::countdown(py, N);
        let started = Instant::now();
        std::thread::scope(|scope| {
            for name in ["thread 1", "thread 2"] {
                let interp = &interp;
                scope.spawn(move || Python::attach(interp, name, countdown));
            }
        });
        // ANCHOR_END: battle
        println!(
            "two threads, {mode}: {:?}, {} hand-overs",
            started.elapsed(),
            interp.switches()
        );
    }
}
