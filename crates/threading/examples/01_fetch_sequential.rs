//! Three downloads, one after another: each waits for the one before it.
//!
//! Python: `for url in urls: requests.get(url)`. The same downloads with threads are
//! `02_fetch_with_threads.rs`: the difference between the two files is the lesson.
//!
//! Run it: `cargo run -p threading --example 01_fetch_sequential`

use std::time::{Duration, Instant};

use lesson_kit::DelayServer;
use threading::{Client, fetch};

fn main() -> anyhow::Result<()> {
    // The "internet": a local server that answers each request after 300 ms.
    let server = DelayServer::start()?;
    let urls: Vec<String> = (0..3)
        .map(|_| server.delay_url(Duration::from_millis(300)))
        .collect();
    let client = Client::new(Duration::from_secs(10))?;

    // ANCHOR: sequential
    let started = Instant::now();
    for url in &urls {
        let result = fetch(&client, url); // blocks until the answer arrives
        println!("{url}: {:?} after {:?}", result.outcome, result.elapsed);
    }
    println!("all done in {:?}", started.elapsed());
    // ANCHOR_END: sequential

    println!(
        "the server never had more than {} request in flight",
        server.peak_in_flight()
    );
    Ok(())
}
