//! Per-thread data: each thread counts in its own copy, no lock and no sharing.
//!
//! Python: `mine = threading.local()`; `mine.count` is a different attribute in each thread.
//! Rust's `thread_local!` declares a static that every thread gets its own copy of; `Cell`
//! is enough inside it, since only its own thread can reach it.
//!
//! Run it: `cargo run -p threading --example 18_thread_local`

use std::cell::Cell;
use std::thread;

// ANCHOR: thread_local
thread_local! {
    static COUNT: Cell<u64> = const { Cell::new(0) }; // one counter per thread
}

fn count(times: u64) -> u64 {
    for _ in 0..times {
        COUNT.set(COUNT.get() + 1);
    }
    COUNT.get()
}
// ANCHOR_END: thread_local

fn main() {
    let totals: Vec<u64> = thread::scope(|s| {
        let threads: Vec<_> = (1..=4).map(|i| s.spawn(move || count(i * 1000))).collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    println!("each thread's own count: {totals:?}");
    println!("main thread's count: {}", COUNT.get());
}
