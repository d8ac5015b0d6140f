//! # coroutines-4: unblock the loop (model answer)

use std::sync::Arc;

/// How many items between two `yield_now`s: small enough that the other tasks run often.
const CHUNK: usize = 10_000;

/// The wrapping sum of `31 × x` over `data`: a long computation for a long `data`.
pub async fn checksum(data: Arc<Vec<u64>>) -> u64 {
    let mut sum: u64 = 0;
    for chunk in data.chunks(CHUNK) {
        for &x in chunk {
            sum = sum.wrapping_add(x.wrapping_mul(31));
        }
        // `await asyncio.sleep(0)`: back to the scheduler, which runs the others, then on.
        // (`tokio::task::spawn_blocking` around the whole loop works too: asyncio.to_thread.)
        tokio::task::yield_now().await;
    }
    sum
}
