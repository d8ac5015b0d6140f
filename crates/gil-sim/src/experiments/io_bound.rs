//! Experiment `io-bound`: downloads from the local delay server on Python threads under the GIL.
//! A thread that waits on a socket has released the GIL (`py.detach`), so the waits overlap; the
//! server's count of requests in flight proves it. The same threads keeping the GIL while they
//! wait take turns instead.
//!
//! Python twin: `python/io_bound.py`. Example: `examples/03_detach_for_io.rs`.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use lesson_kit::report::{faster_or_slower, format_seconds};
use lesson_kit::{
    Claim, DelayServer, Figure, Outcome, Run, Samples, Source, Timing, Trace, Unit, Verdict,
    alternate,
};
use serde::Serialize;

use super::{
    LessonError, MODEL_COLUMN, ModelCosts, Settings, ThreadsRun, model_note, python_threads,
};
use crate::http::{self, HttpError};
use crate::model::{self, ThreadSpec};
use crate::{DEFAULT_SWITCH_INTERVAL, Mode, Python};

/// What `measure` found.
#[derive(Debug, Serialize)]
pub struct Figures {
    pub downloads: usize,
    /// The server's delay before each answer.
    pub delay_s: f64,
    /// One thread, one download after another (the GIL released while it waits).
    pub sequential: Timing,
    /// One thread per download, each releasing the GIL around every socket call.
    pub released: Timing,
    /// One thread per download, keeping the GIL while it waits.
    pub kept: Timing,
    /// The most requests the server had in flight at once, in each run of each variant.
    pub peaks: Peaks,
    /// Every download that failed, in any run: `"url: reason"`.
    pub failures: Vec<String>,
    pub model: Predictions,
    pub costs: ModelCosts,
    /// The timeline of the last run with the GIL released.
    pub trace: Trace,
}

#[derive(Debug, Serialize)]
pub struct Peaks {
    pub sequential: Vec<u64>,
    pub released: Vec<u64>,
    pub kept: Vec<u64>,
}

/// The model's predictions, in virtual seconds.
#[derive(Debug, Serialize)]
pub struct Predictions {
    pub sequential_s: f64,
    pub released_s: f64,
    pub kept_s: f64,
}

/// How many downloads, and the server's delay for each: the article's 3 × 3 s with `--full`.
pub fn sizes(settings: &Settings) -> (usize, Duration) {
    (
        settings.size(4, 3),
        settings.size(Duration::from_millis(50), Duration::from_secs(3)),
    )
}

/// One run of one variant: the threads' figures, the server's peak, what failed.
struct Fetched {
    run: ThreadsRun,
    peak: u64,
    failures: Vec<String>,
}

/// How a thread downloads: releasing the GIL around the socket calls, or not.
type Get = fn(Python<'_>, &str) -> Result<String, HttpError>;

/// A "socket module" that keeps the GIL while it waits: what a C extension without
/// `Py_BEGIN_ALLOW_THREADS` would do.
fn get_keeping_the_gil(_py: Python<'_>, url: &str) -> Result<String, HttpError> {
    http::get(url)
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let (downloads, delay) = sizes(settings);
    let server = DelayServer::start()?;
    let url = server.delay_url(delay);

    // `threads` threads each download `each` times with `get`.
    let fetched = |threads: usize, each: usize, get: Get| {
        server.reset_counts();
        let failures = Mutex::new(Vec::new());
        let run = python_threads(
            Mode::Cpython312,
            DEFAULT_SWITCH_INTERVAL,
            threads,
            |py, _| {
                for _ in 0..each {
                    if let Err(error) = get(py, &url) {
                        let mut failures = failures.lock().unwrap_or_else(PoisonError::into_inner);
                        failures.push(error.to_string());
                    }
                }
            },
        );
        Fetched {
            run,
            peak: server.peak_in_flight(),
            failures: failures
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner),
        }
    };
    let [sequential, released, kept] = alternate(
        settings.repeat,
        [
            &mut || fetched(1, downloads, http::get_detached),
            &mut || fetched(downloads, 1, http::get_detached),
            &mut || fetched(downloads, 1, get_keeping_the_gil),
        ],
    );

    let config = &settings.lesson.model;
    let in_turn = (0..downloads).fold(ThreadSpec::new(), |t, _| t.io(delay).compute(1));
    let one_download = ThreadSpec::new().io(delay).compute(1);
    let holding = ThreadSpec::new().native_holding_gil(delay);
    let predict = |threads: &[ThreadSpec]| model::simulate(config, threads).total.as_secs_f64();
    let mut failures: Vec<String> = [&sequential, &released, &kept]
        .into_iter()
        .flatten()
        .flat_map(|f| f.failures.iter().cloned())
        .collect();
    failures.sort();
    failures.dedup();
    Ok(Figures {
        downloads,
        delay_s: delay.as_secs_f64(),
        sequential: timing_of(&sequential),
        released: timing_of(&released),
        kept: timing_of(&kept),
        peaks: Peaks {
            sequential: sequential.iter().map(|f| f.peak).collect(),
            released: released.iter().map(|f| f.peak).collect(),
            kept: kept.iter().map(|f| f.peak).collect(),
        },
        failures,
        model: Predictions {
            sequential_s: predict(&[in_turn]),
            released_s: predict(&vec![one_download; downloads]),
            kept_s: predict(&vec![holding; downloads]),
        },
        costs: ModelCosts::of(config),
        trace: released
            .last()
            .map_or_else(Trace::new, |f| f.run.trace.clone()),
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let n = figures.downloads;
    let [sequential, released, kept] = runs(figures);
    let outcome = Outcome::new("io-bound", "Threads waiting for I/O overlap, GIL or not")
        .intro(format!(
            "{n} downloads of {} each from the lesson's local server, by Python threads \
             attached to one CPython 3.12 interpreter.",
            format_seconds(figures.delay_s)
        ))
        .intro(
            "Every socket call runs inside py.detach, as CPython's socket module releases the GIL \
             around it; the last row keeps the GIL while waiting, to show what the release buys. \
             The server counts the requests it has in flight at once.",
        )
        .intro(model_note(&figures.costs))
        .run(sequential)
        .run(released)
        .run(kept)
        .trace(figures.trace.clone());
    if !figures.failures.is_empty() {
        // A failed download returns early: its time says nothing about overlapping waits.
        return failed(outcome, &figures.failures);
    }
    let speedup = Samples::ratios(&figures.sequential.wall, &figures.released.wall);
    outcome
        .speedups_against("sequential")
        .finding(format!(
            "With the GIL released around I/O, {n} threads were {} than one thread downloading \
             in turn ({speedup}), and the server saw {} requests at once.",
            faster_or_slower(speedup.median()),
            peaks(&figures.peaks.released)
        ))
        .finding(kept_finding(figures))
        .claim(overlap_claim(figures))
        .claim(one_delay_claim(figures))
}

/// The table: each way of downloading, the server's peak in flight and the model beside.
fn runs(figures: &Figures) -> [Run; 3] {
    let n = figures.downloads;
    let (model, peak) = (&figures.model, &figures.peaks);
    let row = |label: String, timing: &Timing, peak: &[u64], model_s: f64| {
        Run::timed(label, timing)
            .figure("peak in flight", Figure::Spread(peaks(peak)))
            .figure(MODEL_COLUMN, Figure::Seconds(model_s))
    };
    [
        row(
            "sequential".into(),
            &figures.sequential,
            &peak.sequential,
            model.sequential_s,
        ),
        row(
            format!("{n} threads, GIL released"),
            &figures.released,
            &peak.released,
            model.released_s,
        ),
        row(
            format!("{n} threads, GIL kept"),
            &figures.kept,
            &peak.kept,
            model.kept_s,
        ),
    ]
}

fn peaks(peaks: &[u64]) -> Samples {
    Samples::new(Unit::Count, peaks.iter().map(|&x| x as f64))
}

/// Every failed download is a problem, and no verdict is given.
fn failed(mut outcome: Outcome, failures: &[String]) -> Outcome {
    for failure in failures {
        outcome = outcome.problem(failure.clone());
    }
    outcome.finding(format!(
        "{} download(s) failed, so no speedup and no verdict is reported.",
        failures.len()
    ))
}

/// The most requests in flight at once in any run that kept the GIL.
fn kept_most(figures: &Figures) -> u64 {
    figures.peaks.kept.iter().copied().max().unwrap_or(0)
}

fn kept_finding(figures: &Figures) -> String {
    let kept_most = kept_most(figures);
    format!(
        "Keeping the GIL while waiting, the server never saw more than {kept_most} at once{}",
        if kept_most <= 1 {
            ": the threads took turns, like the loop."
        } else {
            "."
        }
    )
}

fn overlap_claim(figures: &Figures) -> Claim {
    let n = figures.downloads as u64;
    let released = &figures.peaks.released;
    let all_in_flight = released.iter().filter(|&&p| p == n).count();
    let kept_most = kept_most(figures);
    Claim::new(
        "A thread waiting for I/O releases the GIL, so the other threads run (and send their \
         requests) meanwhile.",
        Source::ARTICLE,
    )
    .measured(format!(
        "all {n} requests were in flight at once in {all_in_flight} of {} runs with the GIL \
         released; at most {kept_most} with it kept.",
        released.len()
    ))
    .verdict(match (all_in_flight == released.len(), kept_most <= 1) {
        (true, true) => Verdict::Holds,
        (true, false) => Verdict::Partly,
        (false, _) => Verdict::DoesNotHold,
    })
}

fn one_delay_claim(figures: &Figures) -> Claim {
    let n = figures.downloads;
    let in_delays = (figures.released.wall).map(Unit::Ratio, |s| s / figures.delay_s);
    Claim::new(
        "Downloads on threads take about as long as one download (3 files of 3 s: about 3 s, \
         against 9 s one after another).",
        Source::ARTICLE,
    )
    .measured(format!(
        "{n} downloads of {} on {n} threads: {in_delays} one delay.",
        format_seconds(figures.delay_s)
    ))
    .judge(&in_delays, |x| {
        if x < 1.5 {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        }
    })
}

fn timing_of(fetched: &[Fetched]) -> Timing {
    let measurements: Vec<_> = fetched.iter().map(|f| f.run.measurement).collect();
    Timing::of(&measurements)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(released_ms: &[u64], released_peaks: &[u64]) -> Figures {
        Figures {
            downloads: 4,
            delay_s: 0.05,
            sequential: Timing::wall_seconds([0.203, 0.205, 0.204]),
            released: Timing::wall_seconds(released_ms.iter().map(|&ms| ms as f64 / 1e3)),
            kept: Timing::wall_seconds([0.204, 0.206, 0.205]),
            peaks: Peaks {
                sequential: vec![1, 1, 1],
                released: released_peaks.to_vec(),
                kept: vec![1, 1, 1],
            },
            failures: Vec::new(),
            model: Predictions {
                sequential_s: 0.2,
                released_s: 0.05,
                kept_s: 0.2,
            },
            costs: ModelCosts::example(),
            trace: Trace::virtual_time(),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn overlapping_waits_hold_both_claims() {
        let outcome = report(&figures(&[52, 53, 51], &[4, 4, 4]));
        assert_eq!(verdicts(&outcome), [Verdict::Holds, Verdict::Holds]);
        assert!(outcome.problems.is_empty());
    }

    #[test]
    fn waits_that_did_not_overlap_do_not_hold() {
        let outcome = report(&figures(&[200, 201, 203], &[1, 1, 1]));
        assert_eq!(
            verdicts(&outcome),
            [Verdict::DoesNotHold, Verdict::DoesNotHold]
        );
    }

    #[test]
    fn a_straddling_spread_is_unclear() {
        // 1.5 delays is the line: one run under it (60 ms), one over (90 ms).
        let outcome = report(&figures(&[60, 90], &[4, 4]));
        assert_eq!(outcome.claims[1].verdict, Verdict::Unclear);
    }

    #[test]
    fn a_busy_machine_leaves_the_count_and_not_the_timing() {
        let outcome =
            report(&figures(&[52, 53, 51], &[4, 4, 4])).on_busy_machine("load 4.0 on 2 cores");
        assert_eq!(verdicts(&outcome), [Verdict::Holds, Verdict::Unclear]);
    }

    #[test]
    fn failed_downloads_are_problems_with_no_verdict() {
        let mut figures = figures(&[10, 12, 11], &[3, 3, 3]);
        figures.failures = vec!["talking to http://127.0.0.1:1/: connection refused".into()];
        let outcome = report(&figures);
        assert_eq!(outcome.problems.len(), 1);
        assert!(outcome.claims.is_empty());
        assert!(outcome.runs.iter().all(|r| r.speedup.is_none()));
    }
}
