//! `pipeline` beside `python/pipeline.py`: the same pipeline on `queue.Queue`s and on channels,
//! from the same local server, in turns. The figures are counts (pages waiting, pages in memory).

use std::time::Duration;

use anyhow::Context as _;
use lesson_kit::report::format_bytes;
use lesson_kit::{
    Claim, DelayServer, Figure, Outcome, Run, Samples, Source, Timing, Trace, Twins, Unit, Verdict,
    Versus, alternate, stopwatch,
};
use serde::{Deserialize, Serialize};

use crate::experiments::Settings;
use crate::experiments::pipeline::{CAPACITY, FETCHERS, PAGE_BYTES, Ran};
use crate::pipeline::{self, Shape};

/// What `python/pipeline.py` prints.
#[derive(Debug, Deserialize)]
struct Twin {
    big: Ran,
    small: Ran,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub pages: usize,
    /// Each round's runs: `[big queue, small queue]`, one per `--repeat`.
    pub cpython: Vec<[Ran; 2]>,
    pub rust: Vec<[Ran; 2]>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let pages = settings.size(48, 200);
    let delay = Duration::from_millis(10);
    let server = DelayServer::start()?;
    let urls: Vec<String> = (0..pages)
        .map(|_| server.bytes_url(PAGE_BYTES, delay))
        .collect();
    let args = [
        server.base_url(),
        format!("--pages={pages}"),
        format!("--fetchers={FETCHERS}"),
        format!("--capacity={CAPACITY}"),
        format!("--page-bytes={PAGE_BYTES}"),
        format!("--delay-ms={}", delay.as_millis()),
        "--parse-ms=10".to_string(),
    ];
    let http = pipeline::http(Duration::from_secs(10)).map_err(anyhow::Error::msg)?;
    let parse_rounds = crate::experiments::pipeline::rounds_for(Duration::from_millis(10));

    let python = || -> anyhow::Result<[Ran; 2]> {
        let twin: Twin = twins.run("pipeline.py", &args)?;
        Ok([twin.big, twin.small])
    };
    let rust_run = |capacity: usize| {
        let shape = Shape {
            fetchers: FETCHERS,
            capacity,
            parse_rounds,
        };
        let (ran, took) = stopwatch(|| pipeline::run(&http, &urls, &shape, &Trace::new()));
        let mut written = ran.written;
        written.sort_unstable();
        Ran {
            capacity,
            seconds: took.wall.as_secs_f64(),
            peak_queued: ran.peak_queued,
            peak_held: ran.peak_held,
            all_written: ran.failures.is_empty() && written == (0..pages).collect::<Vec<_>>(),
        }
    };
    let rust = || -> anyhow::Result<[Ran; 2]> { Ok([rust_run(pages), rust_run(CAPACITY)]) };
    let [cpython, rust] = alternate(settings.repeat, [&mut || python(), &mut || rust()]);
    Ok(Figures {
        python: twins.version.clone(),
        pages,
        cpython: cpython
            .into_iter()
            .collect::<anyhow::Result<_>>()
            .context("python/pipeline.py")?,
        rust: rust.into_iter().collect::<anyhow::Result<_>>()?,
    })
}

/// Each round's count, for the `which`-th run (0: big queue, 1: small).
fn counts(rounds: &[[Ran; 2]], which: usize, count: fn(&Ran) -> u64) -> Samples {
    Samples::new(Unit::Count, rounds.iter().map(|r| count(&r[which]) as f64))
}

/// The two queues, as each run's index in a round and as the reader reads them.
const QUEUES: [(usize, &str); 2] = [(0, "every page"), (1, "4 pages")];

pub fn report(figures: &Figures) -> Outcome {
    let k = CAPACITY as u64;
    let languages = [("CPython", &figures.cpython), ("Rust", &figures.rust)];
    let outcome =
        Outcome::new("compare-pipeline", "The pipeline: CPython beside Rust").intro(format!(
            "{FETCHERS} fetchers, one parser, one writer, {} pages of {}: `queue.Queue` in {} \
             (python/pipeline.py), `mpsc::sync_channel` in Rust; a queue that holds every page, \
             then one that holds {k}.",
            figures.pages,
            format_bytes(PAGE_BYTES),
            figures.python
        ));
    let outcome = languages
        .into_iter()
        .flat_map(|(language, rounds)| QUEUES.map(|queue| row(language, rounds, queue)))
        .fold(outcome, Outcome::run);
    let outcome = QUEUES
        .into_iter()
        .map(|queue| versus(figures, queue))
        .fold(outcome, Outcome::versus);
    languages
        .into_iter()
        .flat_map(|(language, rounds)| {
            QUEUES
                .into_iter()
                .filter_map(move |queue| lost_pages(language, rounds, queue))
        })
        .fold(outcome, Outcome::problem)
        .finding(format!(
            "CPython: with room for every page, up to {} pages were in memory at once; with \
             `maxsize={k}`, {}. Rust: {} and {}.",
            counts(&figures.cpython, 0, |r| r.peak_held),
            counts(&figures.cpython, 1, |r| r.peak_held),
            counts(&figures.rust, 0, |r| r.peak_held),
            counts(&figures.rust, 1, |r| r.peak_held)
        ))
        .claim(backpressure_claim(figures))
}

/// One queue's times on both sides again, typed, for the workspace's table.
fn versus(figures: &Figures, (which, name): (usize, &str)) -> Versus {
    let seconds =
        |rounds: &[[Ran; 2]]| Samples::new(Unit::Seconds, rounds.iter().map(|r| r[which].seconds));
    Versus::new(
        "pipeline",
        format!("{} pages, a queue of {name}", figures.pages),
        &seconds(&figures.cpython),
        &seconds(&figures.rust),
    )
}

fn row(language: &str, rounds: &[[Ran; 2]], (which, name): (usize, &str)) -> Run {
    let timing = Timing::wall_seconds(rounds.iter().map(|r| r[which].seconds));
    Run::timed(format!("{language}: queue of {name}"), &timing)
        .figure(
            "peak queued",
            Figure::Spread(counts(rounds, which, |r| r.peak_queued)),
        )
        .figure(
            "peak in memory",
            Figure::Spread(counts(rounds, which, |r| r.peak_held)),
        )
}

/// A run that did not write every page exactly once, in any round: a problem.
fn lost_pages(language: &str, rounds: &[[Ran; 2]], (which, name): (usize, &str)) -> Option<String> {
    rounds
        .iter()
        .any(|r| !r[which].all_written)
        .then(|| format!("{language}: the queue of {name} did not write every page exactly once"))
}

/// Counted, on CPython: the small queue held at most `maxsize` (plus the page the parser was
/// taking), and the pipeline at most the queue, one page per fetcher and the parser's.
fn backpressure_claim(figures: &Figures) -> Claim {
    let k = CAPACITY as u64;
    let bound = k + FETCHERS as u64 + 1;
    let queued = counts(&figures.cpython, 1, |r| r.peak_queued);
    let held = counts(&figures.cpython, 1, |r| r.peak_held);
    let big = counts(&figures.cpython, 0, |r| r.peak_held);
    let kept = queued.max() <= (k + 1) as f64 && held.max() <= bound as f64;
    Claim::new(
        "A `queue.Queue(maxsize=k)` blocks `put` while it is full, so producers that outrun the \
         consumer wait instead of filling memory.",
        Source::link(
            "Python docs, queue",
            "https://docs.python.org/3/library/queue.html",
        ),
    )
    .measured(format!(
        "{}, maxsize={k}: at most {queued} pages queued and {held} in memory (bounds: {} and \
         {bound}); with room for every page, {big} in memory.",
        figures.python,
        k + 1
    ))
    .verdict(if kept {
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

    fn figures(small_held: u64) -> Figures {
        Figures {
            python: "Python 3.11.7".into(),
            pages: 48,
            cpython: vec![[ran(48, 30, 31), ran(4, 4, small_held)]],
            rust: vec![[ran(48, 35, 36), ran(4, 5, 8)]],
        }
    }

    #[test]
    fn a_bounded_queue_holds_the_claim_and_an_overfull_one_does_not() {
        let outcome = report(&figures(8));
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
        assert_eq!(outcome.runs.len(), 4);
        assert_eq!(outcome.versus.len(), 2, "both queues, typed");
        assert!(outcome.versus[1].timed.ends_with("a queue of 4 pages"));
        assert!(outcome.problems.is_empty());
        assert_eq!(report(&figures(20)).claims[0].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_page_lost_is_a_problem() {
        let mut figures = figures(8);
        figures.rust[0][1].all_written = false;
        assert_eq!(report(&figures).problems.len(), 1);
    }
}
