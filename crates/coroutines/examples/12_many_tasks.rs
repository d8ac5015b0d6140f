//! 10,000 tasks that each sleep 2 s, on one thread: they take 2 s and a few MiB. Mirrors
//! `await asyncio.gather(*(asyncio.sleep(2) for _ in range(10_000)))`.
//!
//! cargo run --release -p coroutines --example 12_many_tasks -- 1000000

use std::time::{Duration, Instant};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let count: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 10_000,
    };
    // ANCHOR: many
    let started = Instant::now();
    let tasks: Vec<_> = (0..count)
        .map(|_| tokio::spawn(tokio::time::sleep(Duration::from_secs(2))))
        .collect();
    println!("{count} tasks started in {:.1?}", started.elapsed());
    for task in tasks {
        task.await?;
    }
    println!("all done in {:.2?}", started.elapsed());
    // ANCHOR_END: many
    Ok(())
}
