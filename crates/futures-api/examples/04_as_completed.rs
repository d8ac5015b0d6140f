//! Results as they come: `as_completed` hands over the fastest first.
//!
//! Python: `for future in as_completed(futures): print(future.result())`.
//! Run it: `cargo run -p futures-api --example 04_as_completed`

use std::time::{Duration, Instant};

use futures_api::tasks::Task;
use futures_api::{Executor, ThreadPoolExecutor, as_completed};
use lesson_kit::DelayServer;

fn main() -> anyhow::Result<()> {
    let server = DelayServer::start()?;
    let delays_ms = [500, 100, 300];
    let started = Instant::now();
    // ANCHOR: as_completed
    let executor = ThreadPoolExecutor::new(3);
    let mut futures = Vec::new();
    for ms in delays_ms {
        let url = server.delay_url(Duration::from_millis(ms));
        futures.push(executor.submit(Task::Download { url })?);
    }
    for done in as_completed(&futures, None) {
        let done = done?;
        let which = futures.iter().position(|f| f.same_as(&done));
        println!("{:?}: task {which:?} is done", started.elapsed());
    }
    // ANCHOR_END: as_completed
    Ok(())
}
