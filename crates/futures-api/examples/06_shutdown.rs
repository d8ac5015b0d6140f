//! Ending an executor: `shutdown(wait, cancel_futures)`, and `submit` afterwards.
//!
//! Python: `executor.shutdown(wait=True, cancel_futures=True)`; a later `submit` raises
//! `RuntimeError: cannot schedule new futures after shutdown`.
//! Run it: `cargo run -p futures-api --example 06_shutdown`

use futures_api::tasks::Task;
use futures_api::{Executor, ThreadPoolExecutor};

fn main() -> anyhow::Result<()> {
    // ANCHOR: shutdown
    let executor = ThreadPoolExecutor::new(1);
    let futures: Vec<_> = (0..100)
        .map(|n| executor.submit(Task::Countdown(100_000 + n)))
        .collect::<Result<_, _>>()?;
    // What is queued is cancelled; what runs finishes.
    executor.shutdown(true, true);
    let cancelled = futures.iter().filter(|f| f.cancelled()).count();
    println!("{cancelled} of 100 cancelled, {} finished", 100 - cancelled);
    println!(
        "submit after shutdown: {:?}",
        executor.submit(Task::Square(2)).err()
    );
    // ANCHOR_END: shutdown
    Ok(())
}
