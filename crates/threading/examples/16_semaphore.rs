//! A semaphore: six downloads on six threads, at most two at a time.
//!
//! Python: `slots = threading.Semaphore(2)` and `with slots:` around each download. Rust's
//! standard library has no semaphore; `threading::sync::Semaphore` is one built from a `Mutex`
//! and a `Condvar`. The local server counts the requests in flight: never more than two.
//!
//! Run it: `cargo run -p threading --example 16_semaphore`

use std::thread;
use std::time::Duration;

use lesson_kit::DelayServer;
use threading::sync::Semaphore;
use threading::{Client, fetch};

fn main() -> anyhow::Result<()> {
    let server = DelayServer::start()?;
    let urls: Vec<String> = (0..6)
        .map(|_| server.delay_url(Duration::from_millis(200)))
        .collect();
    let client = Client::new(Duration::from_secs(10))?;

    // ANCHOR: semaphore
    let slots = Semaphore::new(2); // threading.Semaphore(2)
    thread::scope(|s| {
        for url in &urls {
            let (slots, client) = (&slots, &client);
            s.spawn(move || {
                // `with slots:`, released when `_slot` is dropped
                let _slot = slots.acquire();
                fetch(client, url)
            });
        }
    });
    // ANCHOR_END: semaphore
    println!("6 downloads, {} in flight at most", server.peak_in_flight());
    Ok(())
}
