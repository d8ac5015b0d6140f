//! # gil-sim-1: let go of the GIL while you wait
//!
//! `fetch_all_under_gil` runs one thread per URL inside a simulated CPython (`gil_sim`): each thread
//! attaches to the interpreter, which means it must hold the GIL to run, as every Python thread
//! must. As written, each thread keeps the GIL while its request is on the network, so the other
//! threads queue for the GIL and the requests go out one after another.
//!
//! CPython's `socket` module releases the GIL around a blocking call
//! (`Py_BEGIN_ALLOW_THREADS` … `Py_END_ALLOW_THREADS`); in gil-sim, as in PyO3, that is
//! `py.detach(|| …)`. Release the GIL for the request so that all the requests are in flight at once.
//!
//! Check it: `cargo run -p exercise-check -- check gil-sim-1` (or `just check gil-sim-1`).
//! Stuck? `cargo run -p exercise-check -- hint gil-sim-1` gives one more hint each time you ask.

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
                        // TODO: this request blocks on the network while holding the GIL. Run it
                        // inside `py.detach(|| …)` so the GIL is free while the thread waits.
                        fetch_one(client, url)
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
