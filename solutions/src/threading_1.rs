//! # threading-1: fetch every URL at once (a model answer)
//!
//! See `exercises/src/threading_1.rs` for the task.

use std::thread;

use reqwest::blocking::Client;

/// Fetches every URL on its own thread; `results[i]` is the outcome of `urls[i]`.
pub fn fetch_all(urls: &[String]) -> Vec<Result<String, String>> {
    let client = Client::new();
    // A scope, not `thread::spawn`: scoped threads may borrow `client` and `urls`, because the
    // scope guarantees they are joined before `fetch_all` returns.
    thread::scope(|scope| {
        // Spawn every thread first. Joining inside this loop would wait for each fetch before
        // starting the next: sequential again.
        let handles: Vec<_> = urls
            .iter()
            .map(|url| {
                let client = &client;
                scope.spawn(move || fetch_one(client, url))
            })
            .collect();
        // Joining in spawn order keeps the results in the order of `urls`.
        handles
            .into_iter()
            .zip(urls)
            .map(|(handle, url)| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err(format!("{url}: the thread fetching it panicked")))
            })
            .collect()
    })
}

/// Fetches one URL: the body of a successful answer, or an error message that names the URL.
pub fn fetch_one(client: &Client, url: &str) -> Result<String, String> {
    client
        .get(url)
        .send()
        .and_then(|response| response.error_for_status())
        .and_then(|response| response.text())
        .map_err(|error| format!("{url}: {error}"))
}
