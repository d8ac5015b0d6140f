//! A long computation on the loop can let others run by yielding often: `yield_now().await`
//! between chunks. Mirrors `await asyncio.sleep(0)` inside a long loop.
//!
//! cargo run -p coroutines --example 11_yield_now

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
    // ANCHOR: yield_now
    tokio::spawn(async {
        let mut total: u64 = 0;
        for chunk in 0..200u64 {
            for i in 0..200_000 {
                // The work.
                total = total.wrapping_add(std::hint::black_box(i * chunk));
            }
            tokio::task::yield_now().await; // between chunks: let the ticker run
        }
        println!("sum {total}");
    });
    // ANCHOR_END: yield_now
    ticker.await.expect("the ticker does not panic");
}
