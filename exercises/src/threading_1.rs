//! # threading-1: fetch every URL at once
//!
//! `fetch_all` is given a list of URLs and a function `fetch` that fetches one of them, and must
//! call it for every URL **concurrently**, one thread per URL: the Rust mirror of starting a
//! `threading.Thread(target=fetch, args=(url,))` for each URL and then joining them all.
//!
//! It returns one result per URL, **in the order of `urls`**, not in the order the fetches finished:
//! `Ok(body)` for a successful answer, `Err(message)` otherwise, where the message names the URL.
//! One failed URL (a 404, a refused connection, a body cut short) must not stop the others, and
//! neither must a bug: a thread that panics becomes an `Err` for its URL, not a panic of
//! `fetch_all`.
//!
//! The checks call it as a program would, `fetch_all(&urls, |url| fetch_one(&client, url))`, with
//! `fetch_one` written for you below; and once with a `fetch` that panics on purpose.
//!
//! Check it: `cargo run -p exercise-check -- check threading-1` (or `just check threading-1`).
//! Stuck? `cargo run -p exercise-check -- hint threading-1` gives one more hint each time you ask.

use reqwest::blocking::Client;

/// Calls `fetch(url)` for every URL, each on its own thread; `results[i]` is for `urls[i]`.
pub fn fetch_all(
    urls: &[String],
    fetch: impl Fn(&str) -> Result<String, String> + Sync,
) -> Vec<Result<String, String>> {
    // TODO: start one thread per URL, each calling `fetch(url)`, and only then join them, in
    // order, so that the results line up with `urls`. A thread that panics must become an `Err`
    // for its URL, not a panic here.
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
