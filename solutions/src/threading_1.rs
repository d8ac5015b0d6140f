//! # threading-1: fetch every URL at once (a model answer)
//!
//! See `exercises/src/threading_1.rs` for the task.

use std::thread;

use reqwest::blocking::Client;

/// Calls `fetch(url)` for every URL, each on its own thread; `results[i]` is for `urls[i]`.
pub fn fetch_all(
    urls: &[String],
    fetch: impl Fn(&str) -> Result<String, String> + Sync,
) -> Vec<Result<String, String>> {
    // A scope, not `thread::spawn`: scoped threads may borrow `fetch` and `urls`, because the
    // scope guarantees they are joined before `fetch_all` returns.
    thread::scope(|scope| {
        // Spawn every thread first. Joining inside this loop would wait for each fetch before
        // starting the next: sequential again.
        let handles: Vec<_> = urls
            .iter()
            .map(|url| {
                // A reference for each thread to move in: `fetch` is `Sync`, so threads share it.
                let fetch = &fetch;
                scope.spawn(move || fetch(url))
            })
            .collect();
        // Joining in spawn order keeps the results in the order of `urls`. A thread that
        // panicked joins as `Err`: it becomes its URL's error, and the others still count.
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
