//! What starting a thread costs: spawn one that does nothing and join it, many times.
//!
//! Python: `t = threading.Thread(target=f); t.start(); t.join()` in a loop.
//!
//! Run it: `cargo run -p threading --example 08_thread_cost`

use std::thread;
use std::time::{Duration, Instant};

fn main() {
    // ANCHOR: cost
    let mut times: Vec<Duration> = (0..1_000)
        .map(|_| {
            let started = Instant::now();
            thread::spawn(|| {}).join().ok();
            started.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "spawn + join: median {:?}, fastest {:?}, slowest {:?}",
        times[500], times[0], times[999]
    );
    // ANCHOR_END: cost
}
