//! One blocking call stalls every task on the thread: a ticker that should tick every 10 ms goes
//! silent while another task calls `std::thread::sleep`. Mirrors `time.sleep` inside a coroutine.
//!
//! cargo run -p coroutines --example 09_blocking_call

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
    // ANCHOR: blocking
    tokio::spawn(async {
        tokio::time::sleep(Duration::from_millis(25)).await;
        // Holds the only thread: nothing else runs.
        std::thread::sleep(Duration::from_millis(200));
    });
    // ANCHOR_END: blocking
    ticker.await.expect("the ticker does not panic");
}
