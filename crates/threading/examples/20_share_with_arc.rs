//! What the compiler accepts: the fixes for the three programs the chapter shows it refusing.
//!
//! Python lets any thread touch any object, and a mistake shows up at run time, if at all. Rust
//! checks at compile time that what a thread gets may cross threads (`Send`) or be shared
//! between them (`Sync`). `Rc` may not (`Arc` may); a plain integer may not be changed from two
//! threads (a `Mutex` or an atomic may); and `thread::spawn` wants its closure to own what it
//! uses (`move`).
//!
//! Run it: `cargo run -p threading --example 20_share_with_arc`

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

fn main() {
    // ANCHOR: arc
    // Arc, not Rc: its count is atomic.
    let names = Arc::new(vec!["spam", "eggs"]);
    let for_thread = Arc::clone(&names);
    let handle = thread::spawn(move || for_thread.len());
    println!(
        "{} names, {} seen by the thread",
        names.len(),
        handle.join().unwrap()
    );
    // ANCHOR_END: arc

    // ANCHOR: counter
    let hits = AtomicU64::new(0); // or Mutex<u64>: either makes `+= 1` one step
    thread::scope(|s| {
        s.spawn(|| hits.fetch_add(1, Ordering::Relaxed));
        s.spawn(|| hits.fetch_add(1, Ordering::Relaxed));
    });
    println!("hits: {}", hits.into_inner());
    // ANCHOR_END: counter

    // ANCHOR: arc_mutex
    // Shared, and changed by many threads.
    let totals = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..3)
        .map(|i| {
            let totals = Arc::clone(&totals);
            // `move`: the thread owns its Arc.
            thread::spawn(move || totals.lock().unwrap().push(i * 10))
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    println!("totals: {:?}", totals.lock().unwrap());
    // ANCHOR_END: arc_mutex
}
