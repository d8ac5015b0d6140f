//! Four CPU-bound tasks on four threads: faster in Rust, no faster under a GIL.
//!
//! Python: four `threading.Thread(target=countdown, args=(n,))` doing pure arithmetic. CPython's
//! GIL lets one of them run at a time; Rust has no GIL, so its threads use every core. gil-sim's
//! `Python::attach` puts the same work under a simulated GIL.
//!
//! Run it: `cargo run -p threading --example 04_cpu_bound_threads`

use std::thread;
use std::time::{Duration, Instant};

use gil_sim::{Interpreter, Mode, Python, work};
use threading::compute::iterations_for;

fn main() {
    let n = iterations_for(Duration::from_millis(150));

    let started = Instant::now();
    for _ in 0..4 {
        work::countdown_native(n);
    }
    println!("one Rust thread, 4 in turn:   {:?}", started.elapsed());

    // ANCHOR: rust_threads
    let started = Instant::now();
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| work::countdown_native(n));
        }
    });
    println!("4 Rust threads:               {:?}", started.elapsed());
    // ANCHOR_END: rust_threads

    // The fair baseline for Python threads: one Python thread running the same loop, checkpoints
    // included.
    let interp = Interpreter::new(Mode::Cpython312);
    let started = Instant::now();
    Python::attach(&interp, "main", |py| {
        for _ in 0..4 {
            work::countdown(py, n);
        }
    });
    println!("one Python thread, 4 in turn: {:?}", started.elapsed());

    // ANCHOR: gil_threads
    let interp = Interpreter::new(Mode::Cpython312);
    let started = Instant::now();
    thread::scope(|s| {
        for i in 0..4 {
            let interp = &interp;
            // Each thread must hold the GIL to run "Python": it gets it in
            // turns of ~5 ms.
            s.spawn(move || {
                let name = format!("thread {i}");
                Python::attach(interp, &name, |py| work::countdown(py, n))
            });
        }
    });
    println!("4 threads under the GIL:      {:?}", started.elapsed());
    // ANCHOR_END: gil_threads
    println!("the GIL changed hands {} times", interp.switches());
}
