//! N real downloads at once with reqwest's async client, one task each, results in order.
//! Mirrors `asyncio.gather(*(fetch(session, url) for url in urls))` with aiohttp.
//!
//! cargo run -p coroutines --example 02_gather_downloads

use std::time::{Duration, Instant};

use lesson_kit::DelayServer;

fn main() -> anyhow::Result<()> {
    // The "internet": a local server that answers each request after 300 ms.
    let server = DelayServer::start()?;
    let urls: Vec<String> = (0..10)
        .map(|_| server.delay_url(Duration::from_millis(300)))
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(download(urls))
}

// ANCHOR: download
async fn download(urls: Vec<String>) -> anyhow::Result<()> {
    // One client for every task, like one aiohttp session.
    let client = reqwest::Client::new();
    let started = Instant::now();
    let tasks: Vec<_> = urls
        .into_iter()
        .map(|url| {
            // Cheap: a handle to the same connection pool.
            let client = client.clone();
            tokio::spawn(async move {
                let response = client.get(url).send().await?;
                response.bytes().await
            })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        // In argument order, as gather returns them; all ran at once.
        let body = task.await??;
        println!("download {i}: {} bytes", body.len());
    }
    println!("all in {:.1?}", started.elapsed());
    Ok(())
}
// ANCHOR_END: download
