//! The article's chef: one cook (one thread), many tables (tasks). While a dish cooks, the chef
//! works at another table. Mirrors three coroutines on one asyncio loop, each `await`ing its stove.
//!
//! cargo run -p coroutines --example 04_chef

use std::time::{Duration, Instant};

// ANCHOR: table
async fn table(number: u32, started: Instant) {
    for course in ["starter", "main", "dessert"] {
        println!(
            "{:>5.0?}  chef takes table {number}'s {course} order",
            started.elapsed()
        );
        // On the stove: the chef walks away.
        tokio::time::sleep(Duration::from_millis(300)).await;
        println!(
            "{:>5.0?}  chef serves table {number}'s {course}",
            started.elapsed()
        );
    }
}

#[tokio::main(flavor = "current_thread")] // one chef
async fn main() {
    let started = Instant::now();
    tokio::join!(table(1, started), table(2, started), table(3, started));
    println!("nine dishes in {:.1?}, not 2.7 s", started.elapsed());
}
// ANCHOR_END: table
