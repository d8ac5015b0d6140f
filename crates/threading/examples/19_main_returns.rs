//! What happens to a spawned thread when `main` returns: it is cut off, like a daemon thread.
//!
//! Python waits for every thread not started with `daemon=True` before the program exits. Rust
//! waits for no one: when `main` returns, the process ends with its threads wherever they were.
//! Join the handle, or spawn in a `thread::scope`, which joins its threads before it returns.
//!
//! Run it: `cargo run -p threading --example 19_main_returns` (the lesson's `ending` experiment
//! counts the same thing in a child process).

use std::thread;
use std::time::Duration;

fn worker(name: &'static str) {
    for step in 1..=3 {
        thread::sleep(Duration::from_millis(20));
        println!("{name}: step {step}");
    }
}

fn main() {
    // ANCHOR: scope
    thread::scope(|s| {
        // Joined at the end of the scope: all 3 steps print.
        s.spawn(|| worker("scoped"));
    });
    // ANCHOR_END: scope
    // ANCHOR: spawn
    thread::spawn(|| worker("spawned")); // nobody joins it: no step prints
    println!("main returns");
    // ANCHOR_END: spawn
}
