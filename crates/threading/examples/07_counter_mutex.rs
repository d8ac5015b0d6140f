//! The second fix of the counter race: a `Mutex` around the increment.
//!
//! Python: `with lock: counter += 1`, with a `threading.Lock()`. In Rust the lock *owns* the
//! counter: there is no way to reach the number without holding the lock.
//!
//! Run it: `cargo run -p threading --example 07_counter_mutex`

use std::sync::Mutex;
use std::thread;

const THREADS: u64 = 4;
const INCREMENTS: u64 = 250_000;

fn main() {
    // ANCHOR: mutex
    let counter = Mutex::new(0u64);
    thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..INCREMENTS {
                    // `with lock:`; unlocked at the end of the statement
                    *counter.lock().unwrap() += 1;
                }
            });
        }
    });
    // ANCHOR_END: mutex
    println!(
        "Mutex: {} of {}",
        counter.into_inner().unwrap(),
        THREADS * INCREMENTS
    );
}
