//! A producer/consumer pipeline on channels: fetchers → a parser → a writer.
//!
//! Python's version puts `queue.Queue`s between threads: fetcher threads `put` pages, one parser
//! thread `get`s them, and one writer thread owns the output file. Rust's is `std::sync::mpsc`:
//! `mpsc::sync_channel(k)` is a `Queue(maxsize=k)`, whose `send` blocks while `k` items wait,
//! like `put`. That blocking is *backpressure*: when the parser is the slowest stage, fetchers
//! that run ahead wait instead of piling pages up in memory. (`mpsc::channel()` is the unbounded
//! `Queue()`; the lesson uses a bounded queue big enough never to fill instead, so that both
//! runs share one code path.)
//!
//! The pipeline counts what it holds, so the lesson can show the difference: [`Gauge`]s of the
//! pages waiting in the queue and of the pages in memory anywhere in the pipeline, each with its
//! peak.

use std::io::Read;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread;

use lesson_kit::{Lane, State, Trace};

/// A page as a fetcher hands it on.
pub struct Page {
    pub index: usize,
    pub body: Vec<u8>,
}

/// What the parser makes of a page, for the writer.
pub struct Parsed {
    pub index: usize,
    pub checksum: u64,
}

/// A count that goes up and down, and the most it ever reached.
///
/// Signed: the thread that takes an item may count it out a moment before the thread that put
/// it in has counted it in, so the count can dip below zero for that moment.
#[derive(Debug, Default)]
pub struct Gauge {
    now: AtomicI64,
    peak: AtomicI64,
}

impl Gauge {
    pub fn add(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
    }

    pub fn sub(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }

    pub fn peak(&self) -> u64 {
        self.peak.load(Ordering::SeqCst).max(0) as u64
    }
}

/// How the pipeline is built.
#[derive(Clone, Debug)]
pub struct Shape {
    pub fetchers: usize,
    /// How many pages the queue between the fetchers and the parser holds (`Queue(maxsize=k)`).
    pub capacity: usize,
    /// Passes of the parser's hash over each page: its CPU cost, chosen so that the parser is
    /// the slowest stage.
    pub parse_rounds: u32,
}

/// What the threads of one run share: the next URL to take, the gauges, the failures.
#[derive(Debug, Default)]
struct Shared {
    next: AtomicUsize,
    /// Pages in the fetchers' queue: counted once `send` returned, until the `recv` that took
    /// the page returned (so the parser's page in hand may count too: at most `k + 1`).
    queued: Gauge,
    /// Pages in memory anywhere: fetched, and not yet parsed.
    held: Gauge,
    failures: Mutex<Vec<String>>,
}

/// What one run of the pipeline did.
#[derive(Debug)]
pub struct Ran {
    /// Pages the writer wrote, in the order it got them.
    pub written: Vec<usize>,
    /// Pages that could not be fetched, with the reason.
    pub failures: Vec<String>,
    pub peak_queued: u64,
    pub peak_held: u64,
}

/// Fetches `urls` on `shape.fetchers` threads, parses on one thread, writes on another.
pub fn run(http: &Http, urls: &[String], shape: &Shape, trace: &Trace) -> Ran {
    let shared = Shared::default();
    let written = thread::scope(|s| {
        // ANCHOR: pipeline
        let (to_parser, from_fetchers) = mpsc::sync_channel::<Page>(shape.capacity);
        let (to_writer, from_parser) = mpsc::sync_channel::<Parsed>(shape.capacity);
        for f in 1..=shape.fetchers {
            let to_parser = to_parser.clone(); // each fetcher has its own sender
            let lane = trace.lane(format!("fetcher {f}"));
            let shared = &shared;
            s.spawn(move || fetcher(http, urls, &to_parser, shared, &lane));
        }
        drop(to_parser); // now the parser's loop ends once every fetcher has finished
        let lane = trace.lane("parser");
        let shared = &shared;
        s.spawn(move || {
            parser(
                &from_fetchers,
                &to_writer,
                shape.parse_rounds,
                shared,
                &lane,
            )
        });
        writer(&from_parser, &trace.lane("writer")) // this thread is the writer
        // ANCHOR_END: pipeline
    });
    Ran {
        written,
        failures: shared.failures.into_inner().unwrap_or_default(),
        peak_queued: shared.queued.peak(),
        peak_held: shared.held.peak(),
    }
}

/// A fetcher: takes the next URL until none is left, fetches it, and hands the page on.
fn fetcher(
    http: &Http,
    urls: &[String],
    to_parser: &SyncSender<Page>,
    shared: &Shared,
    lane: &Lane,
) {
    loop {
        let index = shared.next.fetch_add(1, Ordering::SeqCst);
        let Some(url) = urls.get(index) else { return };
        let body = match lane.span(State::WaitingForIo, || get(http, url)) {
            Ok(body) => body,
            Err(error) => {
                shared
                    .failures
                    .lock()
                    .unwrap()
                    .push(format!("{url}: {error}"));
                continue;
            }
        };
        shared.held.add();
        // Blocks while the queue is full: the backpressure the timeline shows.
        let sent = lane.span(State::Idle, || to_parser.send(Page { index, body }));
        if sent.is_err() {
            return; // the parser is gone: nobody wants more pages
        }
        shared.queued.add();
    }
}

fn parser(
    pages: &Receiver<Page>,
    to_writer: &SyncSender<Parsed>,
    rounds: u32,
    shared: &Shared,
    lane: &Lane,
) {
    while let Some(page) = lane.span(State::Idle, || pages.recv().ok()) {
        shared.queued.sub();
        let parsed = lane.span(State::Running, || parse(&page, rounds));
        drop(page);
        shared.held.sub();
        if to_writer.send(parsed).is_err() {
            return;
        }
    }
}

/// The parser's work: hash the page `rounds` times (real CPU work on the page's bytes, sized to
/// make the parser the slowest stage).
pub fn parse(page: &Page, rounds: u32) -> Parsed {
    Parsed {
        index: page.index,
        checksum: gil_sim::work::native_hash(&page.body, rounds),
    }
}

/// The writer: the one thread that owns the output, as in Python's pipelines. Here the "file" is
/// the list of page numbers in the order they were written.
fn writer(parsed: &Receiver<Parsed>, lane: &Lane) -> Vec<usize> {
    let mut written = Vec::new();
    while let Some(page) = lane.span(State::Idle, || parsed.recv().ok()) {
        std::hint::black_box(page.checksum);
        written.push(page.index);
    }
    written
}

/// The fetchers' HTTP client. The pipeline needs each page's body, not only its length, so it
/// keeps a `reqwest` client of its own rather than the lesson's [`crate::Client`].
pub type Http = reqwest::blocking::Client;

/// A client for the pipeline: one for all the fetchers (it holds a pool of connections).
pub fn http(timeout: std::time::Duration) -> Result<Http, String> {
    reqwest::blocking::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|e| e.to_string())
}

/// `requests.get(url).content`: the whole body, or why there is none.
fn get(http: &Http, url: &str) -> Result<Vec<u8>, String> {
    let mut response = http
        .get(url)
        .send()
        .and_then(|r| r.error_for_status())
        .map_err(|e| e.to_string())?;
    let mut body = Vec::new();
    response.read_to_end(&mut body).map_err(|e| e.to_string())?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use lesson_kit::{DelayServer, finish_within};

    use super::*;

    fn run_with(capacity: usize) -> Ran {
        finish_within("the pipeline", Duration::from_secs(60), move || {
            let server = DelayServer::start().expect("server");
            let urls: Vec<String> = (0..12)
                .map(|_| server.bytes_url(4096, Duration::from_millis(1)))
                .collect();
            let shape = Shape {
                fetchers: 3,
                capacity,
                parse_rounds: 200,
            };
            let http = http(Duration::from_secs(20)).expect("client");
            run(&http, &urls, &shape, &Trace::new())
        })
    }

    #[test]
    fn every_page_is_written_once_and_the_queue_never_holds_more_than_its_bound() {
        let ran = run_with(2);
        let mut written = ran.written.clone();
        written.sort_unstable();
        assert_eq!(written, (0..12).collect::<Vec<_>>());
        assert!(ran.failures.is_empty(), "{:?}", ran.failures);
        // The queue holds 2; the page the parser is taking may be counted once more.
        assert!(ran.peak_queued <= 3, "{}", ran.peak_queued);
        // In memory: 2 queued, one per fetcher waiting to send, one being parsed.
        assert!(ran.peak_held <= 2 + 3 + 1, "{}", ran.peak_held);
    }

    #[test]
    fn a_failed_page_is_reported_and_the_rest_are_written() {
        let ran = finish_within("the pipeline", Duration::from_secs(60), || {
            let server = DelayServer::start().expect("server");
            let urls = vec![
                server.bytes_url(10, Duration::ZERO),
                server.status_url(500),
                server.bytes_url(10, Duration::ZERO),
            ];
            let shape = Shape {
                fetchers: 2,
                capacity: 1,
                parse_rounds: 1,
            };
            let http = http(Duration::from_secs(20)).expect("client");
            run(&http, &urls, &shape, &Trace::new())
        });
        assert_eq!(ran.failures.len(), 1);
        assert!(ran.failures[0].contains("500"), "{:?}", ran.failures);
        let mut written = ran.written;
        written.sort_unstable();
        assert_eq!(written, [0, 2]);
    }
}
