//! # threading-2: at most K requests at a time (a model answer)
//!
//! See `exercises/src/threading_2.rs` for the task.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;

use reqwest::blocking::Client;

/// Fetches every URL, never more than `max_in_flight` at once; `results[i]` is for `urls[i]`.
pub fn fetch_bounded(urls: &[String], max_in_flight: usize) -> Vec<Result<String, String>> {
    let client = Client::new();
    let workers = max_in_flight.max(1).min(urls.len());
    // The index of the next URL nobody has taken. `fetch_add` hands each index to exactly one
    // worker, so no lock is needed to share out the work.
    let next = AtomicUsize::new(0);
    let (send, receive) = mpsc::channel();

    thread::scope(|scope| {
        for _ in 0..workers {
            let (client, next, send) = (&client, &next, send.clone());
            scope.spawn(move || {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(url) = urls.get(index) else { break };
                    // The receiver lives until the end of this function: the send cannot fail.
                    let _ = send.send((index, fetch_one(client, url)));
                }
            });
        }
    });
    drop(send);

    // Results arrive in finishing order; put each back in its URL's place.
    let mut results: Vec<Result<String, String>> = urls
        .iter()
        .map(|url| Err(format!("{url}: not fetched (its worker thread panicked)")))
        .collect();
    for (index, result) in receive {
        results[index] = result;
    }
    results
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
