//! `sys.setswitchinterval`: a shorter interval means more hand-overs of the GIL between two
//! CPU-bound threads, and no speedup.
//!
//! Mirrors: `sys.setswitchinterval(0.0001)` before starting two countdown threads.
//! Run it: `cargo run -p gil-sim --example 05_switch_interval`

use std::time::{Duration, Instant};

use gil_sim::{Interpreter, Mode, Python, sys, work};

fn main() {
    for interval in [Duration::from_millis(5), Duration::from_micros(100)] {
        // ANCHOR: interval
        let interp = Interpreter::new(Mode::Cpython312);
        sys::setswitchinterval(&interp, interval);
        // ANCHOR_END: interval
        let started = Instant::now();
        std::thread::scope(|scope| {
            for name in ["thread 1", "thread 2"] {
                let interp = &interp;
                scope.spawn(move || {
                    Python::attach(interp, name, |py| work::countdown(py, 2_000_000))
                });
            }
        });
        println!(
            "interval {:?}: {:?}, {} switches",
            sys::getswitchinterval(&interp),
            started.elapsed(),
            interp.switches()
        );
    }
}
