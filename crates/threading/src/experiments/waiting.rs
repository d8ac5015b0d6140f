//! Experiment `waiting`: N downloads, one after another and then one thread each.
//!
//! Python twin: `python/waiting.py`. Example files: `01_fetch_sequential.rs`,
//! `02_fetch_with_threads.rs`, `03_scoped_threads.rs`.

use std::time::Duration;

use lesson_kit::report::{faster_or_slower, format_seconds};
use lesson_kit::{
    Claim, DelayServer, Figure, Outcome, Run, Samples, Source, Timing, Trace, Unit, Verdict,
    alternate, stopwatch,
};
use serde::Serialize;

use super::{LessonError, Settings};
use crate::fetch::{Client, FetchResult, fetch_all_sequential, fetch_all_threaded};

/// URLs fetched by default, and with `--full` (the article downloads three files).
pub const COUNT: usize = 3;

/// What `measure` found: typed, so that `report` and `compare` read fields, not table labels.
#[derive(Debug, Serialize)]
pub struct Figures {
    pub urls: usize,
    /// The local server's delay; `None` when the URLs came from `--url`.
    pub delay_s: Option<f64>,
    pub sequential: Timing,
    pub threaded: Timing,
    /// The most requests the local server had in flight at once, in each run of each variant.
    pub sequential_peaks: Vec<u64>,
    pub threaded_peaks: Vec<u64>,
    /// Every URL that failed, in any run, with the reason: `"url: reason"`.
    pub failures: Vec<String>,
    /// The timeline of the last threaded run and the last sequential one.
    pub trace: Trace,
}

/// One run of one variant: what came back, how long it took, how many overlapped.
struct Fetched {
    results: Vec<FetchResult>,
    measurement: lesson_kit::Measurement,
    peak: Option<u64>,
    trace: Trace,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let flags = &settings.lesson;
    let delay = flags
        .delay_ms
        .map(Duration::from_millis)
        .unwrap_or(settings.size(Duration::from_millis(300), Duration::from_secs(3)));
    // Long enough for the slowest honest answer; short enough that a dead server is reported.
    let timeout = flags
        .timeout_ms
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(10).max(delay * 3));
    let client = Client::new(timeout)?;

    // Real URLs need no server; the local one is what makes the figures the same everywhere.
    let server = if flags.urls.is_empty() {
        Some(DelayServer::start()?)
    } else {
        None
    };
    let urls: Vec<String> = match &server {
        Some(server) => {
            let count = flags.count.map_or(COUNT, |n| n as usize).max(1);
            (0..count).map(|_| server.delay_url(delay)).collect()
        }
        None => flags.urls.clone(),
    };
    // Each request in flight holds two descriptors here: the client's socket and, for the local
    // server, its end of the connection. Ask for them before starting, not half-way through.
    lesson_kit::os::ensure_open_files(2 * urls.len() as u64 + 64)?;

    let fetched = |fetch_all: fn(&Client, &[String], &Trace) -> Vec<FetchResult>| {
        if let Some(server) = &server {
            server.reset_counts();
        }
        let trace = Trace::new();
        let (results, measurement) = stopwatch(|| fetch_all(&client, &urls, &trace));
        let peak = server.as_ref().map(DelayServer::peak_in_flight);
        Fetched {
            results,
            measurement,
            peak,
            trace,
        }
    };
    let [in_turn, together] = alternate(
        settings.repeat,
        [&mut || fetched(fetch_all_sequential), &mut || {
            fetched(fetch_all_threaded)
        }],
    );

    let failures = in_turn
        .iter()
        .chain(&together)
        .flat_map(|run| &run.results)
        .filter_map(|result| {
            result.outcome.as_ref().err()?;
            // `FetchResult` prints its URL shortened, then the reason.
            Some(result.to_string())
        })
        .collect::<std::collections::BTreeSet<_>>();
    Ok(Figures {
        urls: urls.len(),
        delay_s: server.as_ref().map(|_| delay.as_secs_f64()),
        sequential: timing(&in_turn),
        threaded: timing(&together),
        sequential_peaks: in_turn.iter().filter_map(|r| r.peak).collect(),
        threaded_peaks: together.iter().filter_map(|r| r.peak).collect(),
        failures: failures.into_iter().collect(),
        trace: last_of_each(&in_turn, &together),
    })
}

/// One timeline: the last sequential run, then the last threaded run right after it.
fn last_of_each(in_turn: &[Fetched], together: &[Fetched]) -> Trace {
    let trace = Trace::new();
    let mut offset_s = 0.0;
    for run in [in_turn.last(), together.last()].into_iter().flatten() {
        let data = run.trace.snapshot();
        trace.absorb(&data, offset_s);
        offset_s += run.measurement.wall.as_secs_f64();
    }
    trace
}

fn timing(runs: &[Fetched]) -> Timing {
    let measurements: Vec<_> = runs.iter().map(|r| r.measurement).collect();
    Timing::of(&measurements)
}

pub fn report(figures: &Figures) -> Outcome {
    let n = figures.urls;
    let outcome = Outcome::new("waiting", "Waiting: threads overlap their waits")
        .intro(downloads_intro(figures))
        .intro(
            "First one thread fetches them in turn, like a `for` loop around `requests.get`; then \
             every URL gets its own thread, like `threading.Thread(target=fetch, args=(url,))`.",
        )
        .run(row(
            "sequential",
            &figures.sequential,
            &figures.sequential_peaks,
            figures,
        ))
        .run(row(
            &format!("{n} threads"),
            &figures.threaded,
            &figures.threaded_peaks,
            figures,
        ))
        .trace(figures.trace.clone());
    if !figures.failures.is_empty() {
        // A failed fetch returns early: timing it says nothing about overlapping waits.
        return figures
            .failures
            .iter()
            .fold(outcome, |outcome, failure| outcome.problem(failure.clone()))
            .finding(format!(
                "{} fetch(es) failed, so no speedup is reported: a failure ends early, and its \
                 time says nothing about waiting.",
                figures.failures.len()
            ));
    }
    let outcome = [
        Some(speedup_finding(figures)),
        overlap_finding(figures),
        cpu_finding(figures),
    ]
    .into_iter()
    .flatten()
    .fold(outcome.speedups_against("sequential"), Outcome::finding);
    match figures.delay_s {
        Some(delay_s) => outcome
            .claim(in_turn_claim(figures, delay_s))
            .claim(together_claim(figures, delay_s)),
        None => outcome,
    }
}

fn downloads_intro(figures: &Figures) -> String {
    let n = figures.urls;
    match figures.delay_s {
        Some(delay_s) => format!(
            "{n} downloads from the lesson's local server, which answers each request after {}: \
             a slow download that takes the same time on every machine.",
            format_seconds(delay_s)
        ),
        None => format!("{n} downloads of the URLs given with --url."),
    }
}

fn speedup_finding(figures: &Figures) -> String {
    let speedup = Samples::ratios(&figures.sequential.wall, &figures.threaded.wall);
    format!(
        "One after another: {}. One thread per URL: {}, {} than in turn.",
        format_seconds(figures.sequential.wall_s()),
        format_seconds(figures.threaded.wall_s()),
        faster_or_slower(speedup.median())
    )
}

/// Requests in flight at once, counted by the server: the proof of overlap that no stopwatch
/// gives.
fn overlap_finding(figures: &Figures) -> Option<String> {
    let peak = figures.threaded_peaks.iter().min()?;
    let sequential_peak = figures.sequential_peaks.iter().max()?;
    Some(format!(
        "The server had at least {peak} of the {} requests in flight at the same moment in every \
         threaded run (and at most {sequential_peak} in the sequential ones): the threads were \
         all waiting at once.",
        figures.urls
    ))
}

fn cpu_finding(figures: &Figures) -> Option<String> {
    let (seq_cpu, thr_cpu) = (
        figures.sequential.cpu.as_ref()?,
        figures.threaded.cpu.as_ref()?,
    );
    Some(format!(
        "CPU time: {} one after another, {} on threads. Waiting costs no CPU: the threads did not \
         work harder, they waited together.",
        format_seconds(seq_cpu.median()),
        format_seconds(thr_cpu.median())
    ))
}

fn row(label: &str, timing: &Timing, peaks: &[u64], figures: &Figures) -> Run {
    let mut run = Run::timed(label, timing).figure("URLs", Figure::Count(figures.urls as u64));
    if let Some(delay_s) = figures.delay_s {
        run = run
            .figure(
                "peak in flight",
                Figure::Spread(Samples::new(Unit::Count, peaks.iter().map(|&p| p as f64))),
            )
            .figure(
                "× one delay",
                Figure::Spread(timing.wall.map(Unit::Ratio, |s| s / delay_s)),
            );
    }
    run
}

/// The article's sum of waits: within 20 % of N delays holds, anything else holds in part.
fn in_turn_claim(figures: &Figures, delay_s: f64) -> Claim {
    let n = figures.urls as f64;
    let in_turn = figures.sequential.wall.map(Unit::Ratio, |s| s / delay_s);
    Claim::new(
        "Downloads done one after another take the sum of their waits (3 files of 3 s: about \
         9 s).",
        Source::ARTICLE,
    )
    .measured(format!(
        "{n} fetches of {} took {} in turn: {in_turn} one delay.",
        format_seconds(delay_s),
        format_seconds(figures.sequential.wall_s()),
    ))
    .judge(&in_turn, |x| {
        if (x - n).abs() <= 0.2 * n {
            Verdict::Holds
        } else {
            Verdict::Partly
        }
    })
}

/// The article's "as long as one download": under 1.5 delays with every request in flight at
/// once holds; one of the two holds in part.
fn together_claim(figures: &Figures, delay_s: f64) -> Claim {
    let n = figures.urls as u64;
    let together = figures.threaded.wall.map(Unit::Ratio, |s| s / delay_s);
    let overlapped = figures.threaded_peaks.iter().filter(|&&p| p == n).count();
    let all_overlapped = overlapped == figures.threaded_peaks.len();
    Claim::new(
        "On one thread per download they take about as long as one download, because a waiting \
         thread lets the others run.",
        Source::ARTICLE,
    )
    .measured(format!(
        "{n} threads took {} ({together} one delay); all {n} requests were in flight at once in \
         {overlapped} of {} runs.",
        format_seconds(figures.threaded.wall_s()),
        figures.threaded_peaks.len(),
    ))
    .judge(&together, |x| match (all_overlapped, x < 1.5) {
        (true, true) => Verdict::Holds,
        (true, false) | (false, true) => Verdict::Partly,
        (false, false) => Verdict::DoesNotHold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(sequential_ms: &[u64], threaded_ms: &[u64], peaks: &[u64]) -> Figures {
        let timing = |ms: &[u64]| Timing::wall_seconds(ms.iter().map(|&m| m as f64 / 1000.0));
        Figures {
            urls: 3,
            delay_s: Some(0.3),
            sequential: timing(sequential_ms),
            threaded: timing(threaded_ms),
            sequential_peaks: vec![1; sequential_ms.len()],
            threaded_peaks: peaks.to_vec(),
            failures: Vec::new(),
            trace: Trace::virtual_time(),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn overlapping_waits_hold_both_claims() {
        let outcome = report(&figures(&[903, 905, 910], &[304, 306, 302], &[3, 3, 3]));
        assert_eq!(verdicts(&outcome), [Verdict::Holds, Verdict::Holds]);
        assert!(outcome.problems.is_empty());
    }

    #[test]
    fn threads_that_did_not_overlap_do_not_hold() {
        let outcome = report(&figures(&[903, 905, 910], &[900, 905, 899], &[1, 1, 1]));
        assert_eq!(outcome.claims[1].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_straddling_spread_is_unclear() {
        // 1.5 delays is the line: one run under it, one over.
        let outcome = report(&figures(&[903, 905], &[330, 600], &[3, 3]));
        assert_eq!(outcome.claims[1].verdict, Verdict::Unclear);
        let reason = outcome.claims[1].reason.as_deref().unwrap_or_default();
        assert!(reason.contains("disagreed"), "{reason}");
    }

    #[test]
    fn failed_fetches_report_no_speedup_and_are_problems() {
        let mut figures = figures(&[10, 12], &[5, 6], &[3, 3]);
        figures.failures = vec!["http://127.0.0.1:1/: connection refused".into()];
        let outcome = report(&figures);
        assert_eq!(outcome.problems.len(), 1);
        assert!(outcome.runs.iter().all(|r| r.speedup.is_none()));
        assert!(outcome.claims.is_empty(), "no verdict from failed fetches");
    }

    #[test]
    fn a_busy_machine_leaves_no_timing_verdict() {
        let outcome = report(&figures(&[903, 905, 910], &[304, 306, 302], &[3, 3, 3]))
            .on_busy_machine("load 4.0 on 2 cores");
        assert_eq!(verdicts(&outcome), [Verdict::Unclear, Verdict::Unclear]);
    }

    #[test]
    fn in_turn_holds_within_a_fifth_of_the_sum_of_the_delays() {
        // 3 delays of 0.3 s: 2.5 and 3.5 delays are within 20 %; 2.3 and 3.7 are not.
        let at = |ms: u64| in_turn_claim(&figures(&[ms], &[300], &[3]), 0.3).verdict;
        assert_eq!(at(750), Verdict::Holds);
        assert_eq!(at(1050), Verdict::Holds);
        assert_eq!(at(690), Verdict::Partly);
        assert_eq!(at(1110), Verdict::Partly);
    }

    #[test]
    fn together_needs_both_the_overlap_and_one_and_a_half_delays() {
        let at = |ms: u64, peak: u64| together_claim(&figures(&[900], &[ms], &[peak]), 0.3);
        assert_eq!(at(440, 3).verdict, Verdict::Holds);
        assert_eq!(at(460, 3).verdict, Verdict::Partly);
        assert_eq!(at(440, 2).verdict, Verdict::Partly);
        assert_eq!(at(460, 2).verdict, Verdict::DoesNotHold);
        assert!(at(440, 2).measured.contains("in 0 of 1 runs"));
    }
}
