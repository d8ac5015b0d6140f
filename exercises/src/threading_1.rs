//! # threading-1: fetch every URL at once
//!
//! `fetch_all` is given a list of URLs and must fetch them **concurrently**, one thread per URL: the
//! Rust mirror of starting a `threading.Thread` for each URL and then joining them all.
//!
//! It returns one result per URL, **in the order of `urls`**, not in the order the fetches finished:
//! `Ok(body)` for a successful answer, `Err(message)` otherwise, where the message names the URL.
//! One failed URL (a 404, a refused connection, a body cut short) must not stop the others.
//!
//! `fetch_one` is written for you; the work is in `fetch_all`.
//!
//! Check it: `cargo test -p exercises --test checks threading_1::` (or `just check threading-1`).

use reqwest::blocking::Client;

/// Fetches every URL on its own thread; `results[i]` is the outcome of `urls[i]`.
pub fn fetch_all(urls: &[String]) -> Vec<Result<String, String>> {
    let client = Client::new();
    // TODO: start one thread per URL, each calling `fetch_one(&client, url)`, and only then join
    // them, in order, so that the results line up with `urls`. A thread that panics must become an
    // `Err` for its URL, not a panic here.
    todo!("fetch {} URLs concurrently", urls.len())
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
