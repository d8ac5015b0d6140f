//! A timeout cancels by dropping: the slow future is never polled again, and its `Drop` (the
//! `finally`) runs. Mirrors `async with asyncio.timeout(0.1):` and `asyncio.wait_for`.
//!
//! cargo run -p coroutines --example 05_timeout

use std::time::Duration;

// ANCHOR: timeout
struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        // Runs like `finally:`, but cannot `.await`.
        println!("cleanup: the future was dropped");
    }
}

async fn slow_query() -> &'static str {
    let _cleanup = Cleanup;
    tokio::time::sleep(Duration::from_secs(1)).await;
    "rows"
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    match tokio::time::timeout(Duration::from_millis(100), slow_query()).await {
        Ok(rows) => println!("got {rows}"),
        // Printed after the cleanup.
        Err(elapsed) => println!("gave up: {elapsed}"),
    }
}
// ANCHOR_END: timeout
