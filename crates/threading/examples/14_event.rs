//! A clean shutdown with an event: workers run until told to stop, then every one is joined.
//!
//! Python: `stop = threading.Event()`; each worker loops `while not stop.is_set():` and waits
//! with `stop.wait(timeout)` instead of `time.sleep`, so `stop.set()` wakes it at once.
//! `threading::sync::Event` is that event, built from a `Mutex<bool>` and a `Condvar`.
//!
//! Run it: `cargo run -p threading --example 14_event`

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use threading::sync::Event;

fn main() {
    let rounds = AtomicU64::new(0);
    let started = Instant::now();
    // ANCHOR: event
    let stop = Event::new();
    thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                // A round of work, then a pause that `stop.set()` cuts short.
                while !stop.wait_timeout(Duration::from_millis(10)) {
                    rounds.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        thread::sleep(Duration::from_millis(100)); // let them work a little
        stop.set(); // every worker wakes, sees the flag and returns
    }); // …and the scope joins them all
    // ANCHOR_END: event
    println!(
        "3 workers did {} rounds and were all joined after {:?}",
        rounds.into_inner(),
        started.elapsed()
    );
}
