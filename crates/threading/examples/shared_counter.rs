//! One counter, four threads: a load followed by a store loses updates; `fetch_add` does not.
//!
//! Python: `counter += 1` from several threads, and the fix, `with lock: counter += 1`. Run it
//! with `cargo run -p threading --example shared_counter`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

const THREADS: u64 = 4;
const INCREMENTS: u64 = 250_000;

fn main() {
    // ANCHOR: race
    let counter = AtomicU64::new(0);
    thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..INCREMENTS {
                    let seen = counter.load(Ordering::Relaxed); // read...
                    counter.store(seen + 1, Ordering::Relaxed); // ...write: another thread may have written in between
                }
            });
        }
    });
    // ANCHOR_END: race
    let racy = counter.into_inner();
    println!(
        "load then store: {racy} of {} ({} lost)",
        THREADS * INCREMENTS,
        THREADS * INCREMENTS - racy
    );

    // ANCHOR: fixed
    let counter = AtomicU64::new(0);
    let locked = Mutex::new(0u64);
    thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..INCREMENTS {
                    counter.fetch_add(1, Ordering::Relaxed); // one indivisible step
                    *locked.lock().unwrap_or_else(|p| p.into_inner()) += 1; // `with lock:`
                }
            });
        }
    });
    // ANCHOR_END: fixed
    println!("fetch_add:       {}", counter.into_inner());
    println!(
        "Mutex:           {}",
        locked.into_inner().unwrap_or_else(|p| p.into_inner())
    );
}
