//! Three downloads on three threads: they wait at the same time.
//!
//! Python: `threading.Thread(target=fetch, args=(url,))` for each URL, then `start()` and
//! `join()`. Compare with `01_fetch_sequential.rs`.
//!
//! Run it: `cargo run -p threading --example 02_fetch_with_threads`

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

    // ANCHOR: threads
    let started = Instant::now();
    // `thread::spawn` wants what it runs to own its data ('static): each
    // thread gets its own clone of the client (cheap: a handle to one shared
    // pool) and of its URL.
    let handles: Vec<_> = urls
        .iter()
        .map(|url| {
            let (client, url) = (client.clone(), url.clone());
            // like Thread(target=fetch, args=(url,)).start()
            thread::spawn(move || fetch(&client, &url))
        })
        .collect();
    for handle in handles {
        // join() waits, like Python's; it also hands back the thread's result,
        // or its panic.
        match handle.join() {
            Ok(result) => println!(
                "{}: {:?} after {:?}",
                result.url, result.outcome, result.elapsed
            ),
            Err(_) => println!("a fetch thread panicked"),
        }
    }
    println!("all done in {:?}", started.elapsed());
    // ANCHOR_END: threads

    println!(
        "the server had {} requests in flight at once",
        server.peak_in_flight()
    );
    Ok(())
}
