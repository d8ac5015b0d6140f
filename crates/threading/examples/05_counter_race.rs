//! One counter, four threads, and a load followed by a store: updates get lost.
//!
//! Python: `counter += 1` from several threads, which is a read, an add and a write. Rust does
//! not compile that on a plain integer shared by threads, so the same mistake is written on
//! purpose with an atomic: each step is indivisible, the pair is not. The fixes are
//! `06_counter_fetch_add.rs` and `07_counter_mutex.rs`.
//!
//! Run it: `cargo run -p threading --example 05_counter_race`

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
                    // ...write: another thread may have written in between
                    counter.store(seen + 1, Ordering::Relaxed);
                }
            });
        }
    });
    // ANCHOR_END: race
    let counted = counter.into_inner();
    let expected = THREADS * INCREMENTS;
    println!(
        "load then store: {counted} of {expected} ({} lost)",
        expected - counted
    );
}
