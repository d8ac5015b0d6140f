//! Downloads on a thread pool: `ThreadPoolExecutor` and `map`.
//!
//! Python: `with ThreadPoolExecutor(max_workers=4) as ex: pages = list(ex.map(fetch_url, urls))`.
//! Run it: `cargo run -p futures-api --example 01_thread_pool_map`

use std::time::{Duration, Instant};

use futures_api::tasks::Task;
use futures_api::{Executor, MapOptions, ThreadPoolExecutor};
use lesson_kit::DelayServer;

fn main() -> anyhow::Result<()> {
    let server = DelayServer::start()?;
    let urls: Vec<String> = (0..8)
        .map(|_| server.delay_url(Duration::from_millis(300)))
        .collect();
    let started = Instant::now();
    // ANCHOR: map
    let executor = ThreadPoolExecutor::new(4);
    let tasks = urls.iter().map(|url| Task::Download { url: url.clone() });
    let pages: Vec<_> = executor.map(tasks, MapOptions::default()).collect();
    drop(executor); // leaving the `with` block: shutdown(wait=True)
    // ANCHOR_END: map
    for page in &pages {
        println!("{:?}", page.as_ref().map(|answer| answer.value));
    }
    println!(
        "8 downloads of 300 ms on 4 threads: {:?}",
        started.elapsed()
    );
    Ok(())
}
