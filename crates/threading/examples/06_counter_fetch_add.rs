//! The first fix of the counter race: `fetch_add`, one indivisible read-add-write.
//!
//! Python has no such operation on an `int`; its fix is a lock (`07_counter_mutex.rs`). On x86
//! this is a single `lock xadd` instruction: no other thread can slip in between.
//!
//! Run it: `cargo run -p threading --example 06_counter_fetch_add`

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

const THREADS: u64 = 4;
const INCREMENTS: u64 = 250_000;

fn main() {
    // ANCHOR: fetch_add
    let counter = AtomicU64::new(0);
    thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..INCREMENTS {
                    // one indivisible step
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    // ANCHOR_END: fetch_add
    println!(
        "fetch_add: {} of {}",
        counter.into_inner(),
        THREADS * INCREMENTS
    );
}
