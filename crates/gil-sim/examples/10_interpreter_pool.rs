//! One interpreter per thread, each with its own GIL (PEP 684): CPU-bound threads run in
//! parallel. But interpreters share no objects: a list sent to one is copied.
//!
//! Mirrors: `InterpreterPoolExecutor(max_workers=4).map(countdown, [n] * 4)` (Python 3.14,
//! `concurrent.futures`), against a `ThreadPoolExecutor` whose threads share one GIL.
//! Run it: `cargo run -p gil-sim --example 10_interpreter_pool`

use std::thread;
use std::time::Instant;

use gil_sim::{Interpreter, Mode, Python, work};

const N: u64 = 3_000_000;

fn main() -> anyhow::Result<()> {
    // Four threads of one interpreter: one GIL, so they take turns.
    let shared = Interpreter::new(Mode::Cpython312);
    let started = Instant::now();
    thread::scope(|scope| {
        for i in 0..4 {
            let shared = &shared;
            scope.spawn(move || {
                Python::attach(shared, &format!("thread {i}"), |py| work::countdown(py, N))
            });
        }
    });
    println!("4 threads, one interpreter: {:?}", started.elapsed());

    // ANCHOR: pool
    let started = Instant::now();
    thread::scope(|scope| {
        for i in 0..4 {
            scope.spawn(move || {
                // interpreters.create(): its own GIL.
                let own = Interpreter::new(Mode::Cpython312);
                Python::attach(&own, &format!("interpreter {i}"), |py| {
                    work::countdown(py, N)
                })
            });
        }
    });
    // ANCHOR_END: pool
    println!("4 interpreters, a GIL each: {:?}", started.elapsed());

    // ANCHOR: copy
    let list: Vec<u64> = (0..100_000).collect();
    let started = Instant::now();
    // CPython pickles what crosses; JSON stands in here.
    let bytes = serde_json::to_vec(&list)?;
    // Rebuilt inside the other interpreter.
    let copy: Vec<u64> = serde_json::from_slice(&bytes)?;
    // ANCHOR_END: copy
    println!(
        "sending {} numbers to another interpreter copied {} bytes in {:?}",
        copy.len(),
        bytes.len(),
        started.elapsed()
    );
    Ok(())
}
