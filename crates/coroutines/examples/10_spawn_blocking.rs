//! The fix for a blocking call: hand it to tokio's blocking pool with `spawn_blocking` and await
//! the result; the ticker keeps ticking. Mirrors `await asyncio.to_thread(time.sleep, 0.2)`.
//!
//! cargo run -p coroutines --example 10_spawn_blocking

use std::time::{Duration, Instant};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let started = Instant::now();
    let ticker = tokio::spawn(async move {
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            println!("tick at {:.0?}", started.elapsed());
        }
    });
    // ANCHOR: spawn_blocking
    tokio::spawn(async {
        tokio::time::sleep(Duration::from_millis(25)).await;
        let nap = Duration::from_millis(200);
        let slow = tokio::task::spawn_blocking(move || std::thread::sleep(nap));
        // This task waits; the thread does not.
        slow.await.expect("the blocking call does not panic");
    });
    // ANCHOR_END: spawn_blocking
    ticker.await.expect("the ticker does not panic");
}
