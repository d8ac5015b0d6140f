//! The fix for `12_deadlock.rs`: every thread takes the two locks in one agreed order.
//!
//! Python: the same rule, `with a: with b:` everywhere. A thread that finds `a` taken waits for
//! it while holding nothing, so no thread ever holds what another one waits for.
//!
//! Run it: `cargo run -p threading --example 13_lock_order`

use std::thread;
use std::time::Duration;

use threading::sync::Lock;

fn main() {
    let (a, b) = (Lock::new(), Lock::new());
    let timeout = Duration::from_millis(500);

    let transfer = |name: &str, first: &Lock, second: &Lock| {
        let _first = first
            .acquire_timeout(timeout)
            .expect("a turn at the first lock");
        thread::sleep(Duration::from_millis(50));
        match second.acquire_timeout(timeout) {
            Some(_second) => println!("{name}: took both"),
            None => println!("{name}: gave up after {timeout:?}: deadlock"),
        }
    };
    // ANCHOR: lock_order
    thread::scope(|s| {
        s.spawn(|| transfer("thread 1", &a, &b)); // a, then b
        s.spawn(|| transfer("thread 2", &a, &b)); // a, then b: the same order
    });
    // ANCHOR_END: lock_order
}
