//! A barrier: no thread starts its second phase until every thread has finished its first.
//!
//! Python: `barrier = threading.Barrier(4)`, and `barrier.wait()` between the phases. Rust's is
//! `std::sync::Barrier`; its `wait` also names one thread the leader, for work done once.
//!
//! Run it: `cargo run -p threading --example 17_barrier`

use std::sync::Barrier;
use std::thread;

fn main() {
    // ANCHOR: barrier
    let everyone = Barrier::new(4); // threading.Barrier(4)
    thread::scope(|s| {
        for i in 0..4 {
            let everyone = &everyone;
            s.spawn(move || {
                println!("thread {i}: phase 1 done");
                if everyone.wait().is_leader() {
                    // printed once, by one thread
                    println!("-- all four arrived --");
                }
                println!("thread {i}: phase 2");
            });
        }
    });
    // ANCHOR_END: barrier
}
