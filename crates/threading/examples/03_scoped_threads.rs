//! Scoped threads: threads that may borrow, because they are joined before the scope ends.
//!
//! Python: threads can use any object they see. Rust's `thread::spawn` cannot borrow, since the
//! thread might outlive what it borrows; `std::thread::scope` promises it will not: every thread
//! started in the scope is joined at its end.
//!
//! Run it: `cargo run -p threading --example 03_scoped_threads`

use std::thread;
use std::time::{Duration, Instant};

use lesson_kit::DelayServer;
use threading::{Client, fetch};

fn main() -> anyhow::Result<()> {
    let server = DelayServer::start()?;
    let urls: Vec<String> = (0..3)
        .map(|_| server.delay_url(Duration::from_millis(300)))
        .collect();
    let client = Client::new(Duration::from_secs(10))?;

    // ANCHOR: scope
    let started = Instant::now();
    let results = thread::scope(|scope| {
        // `&client` and `url` are borrowed: no clone, no Arc, no 'static.
        let handles: Vec<_> = urls
            .iter()
            .map(|url| scope.spawn(|| fetch(&client, url)))
            .collect();
        handles.into_iter().map(|h| h.join()).collect::<Vec<_>>()
    });
    // ANCHOR_END: scope

    for result in results {
        match result {
            Ok(result) => println!("{}: {:?}", result.url, result.outcome),
            Err(_) => println!("a fetch thread panicked"),
        }
    }
    println!(
        "{} fetches in {:?}, {} in flight at once",
        urls.len(),
        started.elapsed(),
        server.peak_in_flight()
    );
    Ok(())
}
