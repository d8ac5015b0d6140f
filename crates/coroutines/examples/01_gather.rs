//! The article's three fetches, gathered on one thread: three waits of 2 s take 2 s, not 6.
//! Mirrors `await asyncio.gather(fetch("a.com"), fetch("b.com"), fetch("c.com"))`.
//!
//! cargo run -p coroutines --example 01_gather

use std::time::{Duration, Instant};

// ANCHOR: fetch
async fn fetch(site: &str) -> String {
    println!(
        "sending a request to {site} on {:?}",
        std::thread::current().id()
    );
    // `.await`: this task yields the thread to the others.
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!("done: {site}");
    format!("<html of {site}>")
}
// ANCHOR_END: fetch

// ANCHOR: gather
// One thread, like asyncio's event loop (plain `#[tokio::main]`
// would start one per core).
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let started = Instant::now();
    let pages = tokio::join!(fetch("a.com"), fetch("b.com"), fetch("c.com"));
    println!("{pages:?} in {:.1?}", started.elapsed());
}
// ANCHOR_END: gather
