//! Deadlock: two threads take two locks in opposite orders, and each waits for the other.
//!
//! Python: `with a: with b:` in one thread and `with b: with a:` in another. Here each lock is
//! `threading::sync::Lock`, which has Python's `acquire(timeout=…)` (std's `Mutex` has no
//! timeout: this program would simply hang). The fix is `13_lock_order.rs`.
//!
//! Run it: `cargo run -p threading --example 12_deadlock`

use std::thread;
use std::time::Duration;

use threading::sync::Lock;

fn main() {
    let (a, b) = (Lock::new(), Lock::new());
    let timeout = Duration::from_millis(500);

    // ANCHOR: deadlock
    let transfer = |name: &str, first: &Lock, second: &Lock| {
        let _first = first
            .acquire_timeout(timeout)
            .expect("the first lock is free");
        // Meanwhile the other thread takes its first lock.
        thread::sleep(Duration::from_millis(50));
        match second.acquire_timeout(timeout) {
            Some(_second) => println!("{name}: took both"),
            None => println!("{name}: gave up after {timeout:?}: deadlock"),
        }
    };
    thread::scope(|s| {
        s.spawn(|| transfer("thread 1", &a, &b)); // a, then b
        s.spawn(|| transfer("thread 2", &b, &a)); // b, then a: opposite
    });
    // ANCHOR_END: deadlock
}
