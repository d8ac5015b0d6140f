//! # gil-sim-1: let go of the GIL while you wait (a model answer)
//!
//! See `exercises/src/gil_sim_1.rs` for the task.

use std::thread;

use gil_sim::{Interpreter, Python};
use reqwest::blocking::Client;

/// Fetches every URL on its own "Python" thread; `results[i]` is the outcome of `urls[i]`.
pub fn fetch_all_under_gil(interp: &Interpreter, urls: &[String]) -> Vec<Result<String, String>> {
    let client = Client::new();
    thread::scope(|scope| {
        let handles: Vec<_> = urls
            .iter()
            .enumerate()
            .map(|(i, url)| {
                let client = &client;
                scope.spawn(move || {
                    Python::attach(interp, &format!("thread {}", i + 1), |py| {
                        // Waiting on the network needs no Python objects, so the GIL is released
                        // for it: the other threads run (and send their requests) meanwhile. The
                        // thread queues for the GIL again when the answer arrives.
                        py.detach(|| fetch_one(client, url))
                    })
                })
            })
            .collect();
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
