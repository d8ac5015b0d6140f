//! Experiment `pipeline`: `queue.Queue` → channels. Fetchers, a parser and a writer, joined by a
//! queue that holds every page, then by one that holds four.
//!
//! Python twin: `python/pipeline.py`. Example file: `10_channel_pipeline.rs`.

use std::time::{Duration, Instant};

use lesson_kit::report::{format_bytes, format_seconds, group_thousands};
use lesson_kit::{Claim, DelayServer, Figure, Outcome, Run, Source, Trace, Verdict, stopwatch};
use serde::{Deserialize, Serialize};

use super::{LessonError, Settings};
use crate::pipeline::{self, Page, Shape};

/// The bounded queue's size: `queue.Queue(maxsize=4)`.
pub const CAPACITY: usize = 4;
pub const FETCHERS: usize = 3;
pub const PAGE_BYTES: u64 = 64 * 1024;

/// One run of the pipeline (and of its Python twin, which prints the same fields).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ran {
    pub capacity: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// The most pages waiting in the queue at once (the parser's page in hand may count too).
    pub peak_queued: u64,
    /// The most pages in memory at once anywhere in the pipeline.
    pub peak_held: u64,
    /// Every page was written exactly once.
    pub all_written: bool,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub pages: usize,
    pub fetchers: usize,
    pub page_bytes: u64,
    /// The server's delay per page, and the parser's CPU time per page (its hash, measured).
    pub fetch_s: f64,
    pub parse_s: f64,
    /// A queue that holds every page: it never fills, like an unbounded `Queue()`.
    pub big: Ran,
    /// A queue of `CAPACITY` pages.
    pub small: Ran,
    pub failures: Vec<String>,
    /// Both runs, the big queue's first, on the same lanes.
    pub trace: Trace,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let pages = settings.size(48, 200);
    let fetch = Duration::from_millis(10);
    let server = DelayServer::start()?;
    let urls: Vec<String> = (0..pages)
        .map(|_| server.bytes_url(PAGE_BYTES, fetch))
        .collect();
    let http = pipeline::http(Duration::from_secs(10))
        .map_err(|e| LessonError::Client(crate::FetchError::Other(e)))?;
    // The parser takes about as long per page as a fetch takes, so that three fetchers outrun it.
    let parse_rounds = rounds_for(Duration::from_millis(10));

    let trace = Trace::new();
    let mut failures = Vec::new();
    let mut offset_s = 0.0;
    let mut ran = |capacity: usize| {
        let shape = Shape {
            fetchers: FETCHERS,
            capacity,
            parse_rounds,
        };
        let this_run = Trace::new();
        let (ran, took) = stopwatch(|| pipeline::run(&http, &urls, &shape, &this_run));
        trace.absorb(&this_run.snapshot(), offset_s);
        offset_s += took.wall.as_secs_f64();
        failures.extend(ran.failures);
        let mut written = ran.written;
        written.sort_unstable();
        Ran {
            capacity,
            seconds: took.wall.as_secs_f64(),
            peak_queued: ran.peak_queued,
            peak_held: ran.peak_held,
            all_written: written == (0..pages).collect::<Vec<_>>(),
        }
    };
    let big = ran(pages);
    let small = ran(CAPACITY);
    Ok(Figures {
        pages,
        fetchers: FETCHERS,
        page_bytes: PAGE_BYTES,
        fetch_s: fetch.as_secs_f64(),
        parse_s: parse_seconds(parse_rounds),
        big,
        small,
        failures,
        trace,
    })
}

/// Hash rounds over one page that take about `target` on this machine.
pub fn rounds_for(target: Duration) -> u32 {
    let per_round = parse_seconds(20) / 20.0;
    ((target.as_secs_f64() / per_round.max(1e-9)) as u32).max(1)
}

/// Seconds the parser spends on one page with `rounds` rounds.
fn parse_seconds(rounds: u32) -> f64 {
    let page = Page {
        index: 0,
        body: vec![b'x'; PAGE_BYTES as usize],
    };
    let started = Instant::now();
    std::hint::black_box(pipeline::parse(&page, rounds));
    started.elapsed().as_secs_f64()
}

/// The most pages the small queue's pipeline can hold: the queue, one page per fetcher waiting
/// to send, and the parser's.
pub fn held_bound(figures: &Figures) -> u64 {
    (figures.small.capacity + figures.fetchers + 1) as u64
}

pub fn report(figures: &Figures) -> Outcome {
    let k = figures.small.capacity;
    let outcome = Outcome::new(
        "pipeline",
        "queue.Queue → channels: a pipeline with backpressure",
    )
    .intro(stages_intro(figures))
    .intro(format!(
        "First the queue holds every page (it never fills, like `Queue()`), then only {k} \
         (`mpsc::sync_channel({k})`, like `Queue(maxsize={k})`). The timeline shows both, on \
         the same lanes: idle is a fetcher blocked on a full queue, or a stage waiting for work."
    ))
    .run(row(figures, &figures.big))
    .run(row(figures, &figures.small))
    .trace(figures.trace.clone())
    .finding(format!(
        "With room for every page, up to {} pages waited in the queue and {} were in memory at \
         once: the fetchers ran ahead of the parser, and memory grew with the number of pages.",
        figures.big.peak_queued, figures.big.peak_held
    ))
    .finding(format!(
        "With a queue of {k}, at most {} waited and {} were in memory ({}): `send` blocked the \
         fetchers until the parser took a page. Memory stays flat however many pages there \
         are, and the run took {} against {}, since the parser sets the pace either way.",
        figures.small.peak_queued,
        figures.small.peak_held,
        format_bytes(figures.small.peak_held * figures.page_bytes),
        format_seconds(figures.small.seconds),
        format_seconds(figures.big.seconds)
    ));
    problems(figures)
        .into_iter()
        .fold(outcome, Outcome::problem)
        .claim(backpressure_claim(figures))
}

fn stages_intro(figures: &Figures) -> String {
    format!(
        "{} fetcher threads download {} pages of {} (each answered after {}) and send them down \
         a channel to one parser thread ({} of CPU per page), which sends its results to one \
         writer thread: Python's threads joined by `queue.Queue`s.",
        figures.fetchers,
        figures.pages,
        format_bytes(figures.page_bytes),
        format_seconds(figures.fetch_s),
        format_seconds(figures.parse_s)
    )
}

fn row(figures: &Figures, ran: &Ran) -> Run {
    Run::new(
        format!("queue of {}", ran.capacity),
        Duration::from_secs_f64(ran.seconds),
    )
    .figure("peak queued", Figure::Count(ran.peak_queued))
    .figure("peak in memory", Figure::Count(ran.peak_held))
    .figure(
        "bytes in memory",
        Figure::Bytes(ran.peak_held * figures.page_bytes),
    )
}

/// Every failed fetch, and a run that lost or repeated a page although nothing failed.
fn problems(figures: &Figures) -> Vec<String> {
    let lost = [&figures.big, &figures.small]
        .into_iter()
        .filter(|ran| !ran.all_written && figures.failures.is_empty())
        .map(|ran| format!("the queue of {} lost or repeated a page", ran.capacity));
    figures.failures.iter().cloned().chain(lost).collect()
}

/// Counted, not timed: the small queue held at most its capacity (plus the page the parser was
/// taking), and the pipeline at most [`held_bound`] pages.
fn backpressure_claim(figures: &Figures) -> Claim {
    let (k, bound) = (figures.small.capacity, held_bound(figures));
    let held = figures.small.peak_queued <= k as u64 + 1 && figures.small.peak_held <= bound;
    Claim::new(
        "A `queue.Queue(maxsize=k)` blocks `put` while it is full, so producers that outrun the \
         consumer wait instead of filling memory.",
        Source::link(
            "Python docs, queue",
            "https://docs.python.org/3/library/queue.html",
        ),
    )
    .measured(format!(
        "`sync_channel({k})`: at most {} pages queued (the bound is {k}, plus the page the \
         parser was taking) and {} in memory (the bound is {bound}); with room for all {}, {} \
         were in memory.",
        figures.small.peak_queued,
        figures.small.peak_held,
        group_thousands(figures.pages as u64),
        figures.big.peak_held
    ))
    .verdict(if held {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ran(capacity: usize, peak_queued: u64, peak_held: u64) -> Ran {
        Ran {
            capacity,
            seconds: 0.5,
            peak_queued,
            peak_held,
            all_written: true,
        }
    }

    fn figures(small: Ran) -> Figures {
        Figures {
            pages: 48,
            fetchers: 3,
            page_bytes: PAGE_BYTES,
            fetch_s: 0.01,
            parse_s: 0.01,
            big: ran(48, 30, 31),
            small,
            failures: Vec::new(),
            trace: Trace::virtual_time(),
        }
    }

    #[test]
    fn a_small_queue_within_its_bounds_holds_the_claim() {
        let outcome = report(&figures(ran(4, 5, 8)));
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
        assert!(outcome.problems.is_empty());
        let small = outcome
            .find_run("queue of 4")
            .expect("the small queue's row");
        assert_eq!(
            small.get("peak in memory").and_then(Figure::as_f64),
            Some(8.0)
        );
    }

    #[test]
    fn past_either_bound_it_does_not_hold() {
        assert_eq!(
            report(&figures(ran(4, 6, 8))).claims[0].verdict,
            Verdict::DoesNotHold
        );
        assert_eq!(
            report(&figures(ran(4, 5, 9))).claims[0].verdict,
            Verdict::DoesNotHold
        );
    }

    #[test]
    fn a_lost_page_or_a_failed_fetch_is_a_problem() {
        let mut lost = figures(ran(4, 5, 8));
        lost.small.all_written = false;
        assert_eq!(report(&lost).problems.len(), 1);
        let mut failed = figures(ran(4, 5, 8));
        failed.failures = vec!["http://127.0.0.1:1/bytes/65536: refused".into()];
        assert_eq!(report(&failed).problems.len(), 1);
    }

    #[test]
    fn a_count_stands_on_a_busy_machine() {
        let outcome = report(&figures(ran(4, 5, 8))).on_busy_machine("load 5.0");
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
    }
}
