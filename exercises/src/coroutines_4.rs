//! # coroutines-4: unblock the loop
//!
//! On asyncio's one thread, a coroutine that computes for a long time without an `await` stalls
//! every other coroutine: nothing else runs until it is done. The same is true of a tokio task on
//! a current-thread runtime. Python's fixes are `await asyncio.to_thread(f, ...)` (run it on a
//! thread) or an `await asyncio.sleep(0)` now and then (let the others run).
//!
//! `checksum` below is correct, but it holds the thread from start to end. The checks run it next
//! to a *ticker*, a task that counts how often it gets the thread; while `checksum` runs, the
//! ticker must tick at least 3 times, and `checksum` must still return the same sum.
//!
//! Check it: `cargo run -p exercise-check -- check coroutines-4` (or `just check coroutines-4`).
//! Stuck? `cargo run -p exercise-check -- hint coroutines-4` gives one more hint each time you ask.

use std::sync::Arc;

/// The wrapping sum of `31 × x` over `data`: a long computation for a long `data`.
pub async fn checksum(data: Arc<Vec<u64>>) -> u64 {
    // TODO: this loop never reaches an `.await`, so no other task runs until it ends.
    let mut sum: u64 = 0;
    for &x in data.iter() {
        sum = sum.wrapping_add(x.wrapping_mul(31));
    }
    sum
}
