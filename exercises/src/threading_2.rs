//! # threading-2: at most K requests at a time
//!
//! One thread per URL is fine for five URLs; for five thousand it opens five thousand connections
//! at once, and most servers (and your own machine) will not thank you. `fetch_bounded` fetches all
//! the URLs with **at most `max_in_flight` requests in flight at any moment**: the Rust mirror of a
//! `ThreadPoolExecutor(max_workers=K)`.
//!
//! Like threading-1, it returns one result per URL in the order of `urls`, and one failure must not
//! stop the others. `max_in_flight` is at least 1 (treat 0 as 1).
//!
//! Check it: `cargo run -p exercise-check -- check threading-2` (or `just check threading-2`).
//! Stuck? `cargo run -p exercise-check -- hint threading-2` gives one more hint each time you ask.

use reqwest::blocking::Client;

/// Fetches every URL, never more than `max_in_flight` at once; `results[i]` is for `urls[i]`.
pub fn fetch_bounded(urls: &[String], max_in_flight: usize) -> Vec<Result<String, String>> {
    let client = Client::new();
    // TODO: start `max_in_flight` worker threads (not one per URL). Each worker repeatedly takes
    // the index of the next URL nobody has taken yet (an `AtomicUsize` handed out with
    // `fetch_add` does this), fetches it with `fetch_one`, and keeps the result with its index.
    // When every worker is done, put the results in the order of `urls`.
    todo!(
        "fetch {} URLs with at most {max_in_flight} in flight",
        urls.len()
    )
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
