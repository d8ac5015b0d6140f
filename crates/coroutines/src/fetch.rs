//! Downloads with reqwest's async client, and the article's pretend download (a sleep).
//!
//! `reqwest::Client` is to `aiohttp.ClientSession` what `reqwest::blocking::Client` is to
//! `requests.Session`: one client, shared by every task, keeping its connections open for the next
//! request. Its `send().await` and `bytes().await` are where a task yields to the others.

use std::time::Duration;

use lesson_kit::{State, Trace};

/// Why a download failed: reqwest's error, which names the URL and the cause.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FetchError(#[from] reqwest::Error);

/// The shared async client, with a timeout for a whole request (headers and body).
pub fn client(timeout: Duration) -> Result<reqwest::Client, FetchError> {
    Ok(reqwest::Client::builder().timeout(timeout).build()?)
}

/// `await session.get(url)` then `await response.read()`: the body's length. A status of 400 or
/// more is a failure, as `response.raise_for_status()` makes it.
pub async fn fetch(client: &reqwest::Client, url: &str) -> Result<usize, FetchError> {
    let response = client.get(url).send().await?.error_for_status()?;
    Ok(response.bytes().await?.len())
}

/// The article's coroutine: "sends a request" to `site`, awaits a sleep of `delay`, "is done". The
/// span's lane names the thread the task ran on, which is how the timeline proves that the three
/// tasks of `gather` share one thread.
pub async fn pretend_fetch(site: &'static str, delay: Duration, trace: Trace) -> &'static str {
    let lane = trace.lane(format!("{site} on {}", thread_name()));
    let _waiting = lane.enter(State::WaitingForIo);
    tokio::time::sleep(delay).await;
    site
}

/// The thread's name and id: `main#1`, `tokio-runtime-worker#3`.
pub fn thread_name() -> String {
    let thread = std::thread::current();
    // `ThreadId(1)` → `1`: the number is what tells threads apart on a timeline.
    let id: String = format!("{:?}", thread.id())
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    format!("{}#{id}", thread.name().unwrap_or("thread"))
}
