//! Pure computation: four countdowns on threads of one interpreter, then in four processes.
//!
//! Python: `countdown(n)` on four `threading.Thread`s (one GIL: no faster than one thread), then
//! `Pool(4).map(countdown, [n] * 4)`: each process has its own interpreter and its own GIL.
//! Run it: `cargo run -p multiprocessing --example 05_countdown_in_processes`

use std::process::ExitCode;
use std::thread;
use std::time::Instant;

use gil_sim::{Interpreter, Mode, Python, work};
use lesson_kit::tour::serve_child;
use multiprocessing::pool::{WORKER, worker_main};
use multiprocessing::{Pool, Task};

const N: u64 = 2_000_000;

fn main() -> anyhow::Result<ExitCode> {
    if let Some(exit) = serve_child(
        "05_countdown_in_processes",
        &[(WORKER, worker_main::<Task>)],
    ) {
        return Ok(exit);
    }
    // ANCHOR: threads
    let interpreter = Interpreter::new(Mode::Cpython312);
    let started = Instant::now();
    thread::scope(|scope| {
        for i in 0..4 {
            let interpreter = &interpreter;
            scope.spawn(move || {
                Python::attach(interpreter, &format!("thread {i}"), |py| {
                    work::countdown(py, N)
                })
            });
        }
    });
    println!("4 threads, one GIL:  {:?}", started.elapsed());
    // ANCHOR_END: threads

    // ANCHOR: processes
    let started = Instant::now();
    let pool = Pool::<Task>::new(4)?;
    // `Task::Countdown` runs in the worker's own interpreter, under the worker's
    // own GIL.
    let results = pool.map((0..4).map(|_| Task::Countdown(N)));
    println!("4 processes, 4 GILs: {:?}", started.elapsed());
    // ANCHOR_END: processes
    for result in results {
        result?;
    }
    Ok(ExitCode::SUCCESS)
}
