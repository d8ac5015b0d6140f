//! Fetching URLs, one after another or one thread each: the heart of the lesson's first experiment.
//!
//! Python's version is `requests.get(url)` in a loop, then `threading.Thread(target=fetch,
//! args=(url,))` per URL followed by `start()` and `join()`. Here the fetch is
//! [`reqwest::blocking`]: a call that blocks its thread until the answer arrives, exactly like
//! `requests.get`. Blocking is the point: a blocked thread costs no CPU, and other threads run.
//!
//! Every fetch ends in a [`FetchResult`]: a failed URL (refused, 404, 500, timed out, cut off
//! mid-body) is a result with a reason, not a panic, so one bad URL never stops the others.

use std::borrow::Cow;
use std::fmt;
use std::io::Read;
use std::time::{Duration, Instant};

use lesson_kit::{State, Trace};

use crate::threads::{ThreadError, run_threads};

/// What happened to one URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchResult {
    pub url: String,
    /// The body's length on success, or why the fetch failed.
    pub outcome: Result<u64, FetchError>,
    /// From sending the request to the last byte (or the failure).
    pub elapsed: Duration,
}

impl FetchResult {
    pub fn is_ok(&self) -> bool {
        self.outcome.is_ok()
    }
}

/// `URL: ok, N bytes` or `URL: why it failed`, with a long URL shortened by [`short_url`].
impl fmt::Display for FetchResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = short_url(&self.url);
        match &self.outcome {
            Ok(bytes) => write!(f, "{url}: ok, {bytes} bytes"),
            Err(reason) => write!(f, "{url}: {reason}"),
        }
    }
}

/// How many characters of a URL a message repeats: enough to recognise it, few enough that a
/// 100 KB URL does not bury the reason it failed.
pub const URL_SHOWN_CHARS: usize = 80;

/// `url` as a message should show it: whole if short, else its first [`URL_SHOWN_CHARS`]
/// characters and "…". For messages only; the fetch itself always uses the whole URL.
pub fn short_url(url: &str) -> Cow<'_, str> {
    match url.char_indices().nth(URL_SHOWN_CHARS) {
        // Cut at a character boundary, never inside a multi-byte character.
        Some((cut, _)) => Cow::Owned(format!("{}…", &url[..cut])),
        None => Cow::Borrowed(url),
    }
}

/// Why a URL could not be fetched: the reasons a learner meets in real life.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("connection refused (nothing is listening there)")]
    Refused,
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("answered HTTP {0}")]
    Status(u16),
    #[error("timed out: no complete answer within {} ms", .0.as_millis())]
    Timeout(Duration),
    #[error("the connection closed mid-body after {received} of {expected} bytes")]
    Truncated { received: u64, expected: String },
    /// The server hung up before its answer was complete (and before the body began).
    #[error("the connection closed before the answer was complete")]
    Closed,
    #[error("not a URL this client can fetch: {0}")]
    BadUrl(String),
    #[error("{0}")]
    Other(String),
    /// The thread that ran the fetch panicked or could not start; see [`ThreadError`].
    #[error("{0}")]
    Thread(#[from] ThreadError),
}

/// A blocking HTTP client (`requests`' role) with a timeout for the whole request, body
/// included. One client is shared by every thread: it holds a connection pool, and `&Client` is
/// all a thread needs (no `Arc`, no clone per thread).
///
/// Like `requests.get(url, timeout=…)`, reqwest's *client-wide* blocking timeout bounds each wait
/// on its own (connecting, then each read of the body), so a server that trickles one byte at a time
/// would never trip it. [`fetch`] therefore also sets the timeout on each request, which reqwest
/// applies "from when the request starts connecting until the response body has finished".
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::blocking::Client,
    /// Set on each request as its deadline, and said in a timeout's message (reqwest does not tell).
    timeout: Duration,
}

impl Client {
    /// A client that gives up on any URL after `timeout`: without one, a server that never
    /// answers would hang its thread, and `join` with it, forever.
    pub fn new(timeout: Duration) -> Result<Self, FetchError> {
        let http = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| FetchError::Other(root_cause(&e)))?;
        Ok(Client { http, timeout })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// Fetches one URL and reads its whole body: `requests.get(url).content`.
pub fn fetch(client: &Client, url: &str) -> FetchResult {
    let started = Instant::now();
    let outcome =
        fetch_body_len(client, url).map_err(|e| classify(e, client.timeout, started.elapsed()));
    FetchResult {
        url: url.to_string(),
        outcome,
        elapsed: started.elapsed(),
    }
}

/// Fetches every URL one after another, recording each fetch as a span on `trace`'s lane
/// "one thread".
pub fn fetch_all_sequential(client: &Client, urls: &[String], trace: &Trace) -> Vec<FetchResult> {
    let lane = trace.lane("one thread");
    urls.iter()
        .map(|url| lane.span(State::WaitingForIo, || fetch(client, url)))
        .collect()
}

/// Fetches every URL on its own thread and returns the results in the order of `urls` (not the
/// order they finished), like `[t.join() for t in threads]` after collecting each thread's result.
/// Each thread's wait is recorded on its own lane of `trace`.
pub fn fetch_all_threaded(client: &Client, urls: &[String], trace: &Trace) -> Vec<FetchResult> {
    let tasks = urls.iter().enumerate().map(|(i, url)| {
        let lane = trace.lane(format!("thread {}", i + 1));
        move || lane.span(State::WaitingForIo, || fetch(client, url))
    });
    run_threads("fetch", tasks)
        .into_iter()
        .zip(urls)
        .map(|(joined, url)| {
            joined.unwrap_or_else(|error| FetchResult {
                url: url.clone(),
                outcome: Err(FetchError::Thread(error)),
                elapsed: Duration::ZERO,
            })
        })
        .collect()
}

/// The body's length, reading it to the end so that a connection cut mid-body is noticed.
fn fetch_body_len(client: &Client, url: &str) -> Result<u64, RawError> {
    // The per-request timeout, not only the client's: it is the one that covers the body as well.
    let request = client.http.get(url).timeout(client.timeout);
    let mut response = request.send().map_err(RawError::Http)?;
    let status = response.status();
    if !status.is_success() {
        return Err(RawError::Status(status.as_u16()));
    }
    let expected = response.content_length();
    // Read in chunks rather than `response.bytes()`: on a cut connection we still know how much
    // arrived, which makes a better message than "error decoding response body".
    let mut received = 0u64;
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match response.read(&mut buffer) {
            Ok(0) => return Ok(received),
            Ok(n) => received += n as u64,
            Err(error) => {
                return Err(RawError::Body {
                    error,
                    received,
                    expected,
                });
            }
        }
    }
}

/// A failure before it is put into words.
enum RawError {
    Http(reqwest::Error),
    Status(u16),
    Body {
        error: std::io::Error,
        received: u64,
        expected: Option<u64>,
    },
}

/// Puts a failure into words. `elapsed` is how long the fetch had run when it failed: a body that
/// broke off at or after the deadline is a timeout, whichever layer noticed first ("no complete
/// answer within the timeout" is then simply true), so a slow server is never called a broken one.
fn classify(error: RawError, timeout: Duration, elapsed: Duration) -> FetchError {
    let past_deadline = elapsed >= timeout;
    match error {
        RawError::Status(code) => FetchError::Status(code),
        RawError::Body {
            error,
            received,
            expected,
        } => {
            if past_deadline || is_timeout(&error) {
                FetchError::Timeout(timeout)
            } else {
                FetchError::Truncated {
                    received,
                    expected: expected.map_or("an unknown number of".into(), |n| n.to_string()),
                }
            }
        }
        RawError::Http(error) => {
            if error.is_timeout() {
                FetchError::Timeout(timeout)
            } else if error.is_builder() || error.is_request() && error.url().is_none() {
                FetchError::BadUrl(root_cause(&error))
            } else if error.is_connect() {
                if has_io_kind(&error, std::io::ErrorKind::ConnectionRefused) {
                    FetchError::Refused
                } else {
                    FetchError::Connect(root_cause(&error))
                }
            } else if closed_early(&error) {
                FetchError::Closed
            } else {
                FetchError::Other(root_cause(&error))
            }
        }
    }
}

/// A connection that was made and then dropped: reset by the peer, ended early, or hyper's
/// "connection closed before message completed" (which is not an `io::Error`, so only its
/// words say so: the one place this module reads an error's text).
fn closed_early(error: &reqwest::Error) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
    [
        ConnectionReset,
        ConnectionAborted,
        BrokenPipe,
        UnexpectedEof,
    ]
    .into_iter()
    .any(|kind| has_io_kind(error, kind))
        || root_cause(error).contains("connection closed")
}

/// reqwest hands a body timeout over as an `io::Error` that wraps a `reqwest::Error`. The wrapped
/// error is reached with `get_ref`, not `source()`: an `io::Error`'s `source()` skips the error it
/// wraps and returns *that* error's source, which is how a timeout used to pass for a cut connection.
fn is_timeout(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::TimedOut
        || error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
            .is_some_and(reqwest::Error::is_timeout)
}

fn has_io_kind(error: &(dyn std::error::Error + 'static), kind: std::io::ErrorKind) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(inner) = source {
        if inner
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
        {
            return true;
        }
        source = inner.source();
    }
    false
}

/// The innermost message of an error chain: "dns error: …" says more than "error sending request".
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut last = error;
    while let Some(inner) = last.source() {
        last = inner;
    }
    last.to_string()
}
