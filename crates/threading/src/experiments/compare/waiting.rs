//! `waiting` beside `python/waiting.py`: the same downloads from the same local server, CPython's
//! threads and Rust's in turns.

use std::time::Duration;

use anyhow::Context as _;
use lesson_kit::report::{faster_or_slower, format_seconds};
use lesson_kit::{
    Claim, DelayServer, Figure, Outcome, Run, Samples, SideBySide, Source, Timing, Trace,
    TraceData, Twins, Unit, Verdict, Versus, alternate, stopwatch,
};
use serde::{Deserialize, Serialize};

use crate::experiments::Settings;
use crate::experiments::waiting::COUNT;
use crate::fetch::{Client, fetch_all_sequential, fetch_all_threaded};

/// What `python/waiting.py` prints.
#[derive(Debug, Deserialize)]
struct Twin {
    sequential_s: f64,
    sequential_cpu_s: f64,
    threaded_s: f64,
    threaded_cpu_s: f64,
    /// Each failed download, with its reason.
    failed: Vec<String>,
    /// One threaded run's spans, recorded by lesson-kit's `python/lesson_spans.py`.
    trace: TraceData,
}

/// One language's runs.
#[derive(Debug, Serialize)]
pub struct Side {
    pub sequential: Timing,
    pub threaded: Timing,
    /// The most requests the server had in flight at once during each threaded run.
    pub peaks: Vec<u64>,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    /// `Python 3.11.7`.
    pub python: String,
    pub urls: usize,
    pub delay_s: f64,
    pub cpython: Side,
    pub rust: Side,
    /// Downloads that failed, in either language.
    pub failures: Vec<String>,
    /// The last turn's threaded run, on each side: the book's figure of both on one axis.
    pub timelines: SideBySide,
}

/// One run of one language: its twin's figures, the Rust ones in the same shape.
struct Round {
    sequential: (f64, Option<f64>),
    threaded: (f64, Option<f64>),
    peak: u64,
    failures: Vec<String>,
    trace: TraceData,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let flags = &settings.lesson;
    let count = flags.count.map_or(COUNT, |n| n as usize).max(1);
    let delay = flags
        .delay_ms
        .map(Duration::from_millis)
        .unwrap_or(settings.size(Duration::from_millis(300), Duration::from_secs(3)));
    let server = DelayServer::start()?;
    let client = Client::new(Duration::from_secs(10).max(delay * 3))?;
    let urls: Vec<String> = (0..count).map(|_| server.delay_url(delay)).collect();
    let args = [
        server.base_url(),
        format!("--count={count}"),
        format!("--delay-ms={}", delay.as_millis()),
    ];

    let python = || -> anyhow::Result<Round> {
        server.reset_counts();
        let twin: Twin = twins.run("waiting.py", &args)?;
        Ok(Round {
            sequential: (twin.sequential_s, Some(twin.sequential_cpu_s)),
            threaded: (twin.threaded_s, Some(twin.threaded_cpu_s)),
            peak: server.peak_in_flight(),
            failures: twin.failed,
            trace: twin.trace,
        })
    };
    let rust = || -> anyhow::Result<Round> {
        let (in_turn, sequential) =
            stopwatch(|| fetch_all_sequential(&client, &urls, &Trace::new()));
        server.reset_counts();
        let trace = Trace::new();
        let (together, threaded) = stopwatch(|| fetch_all_threaded(&client, &urls, &trace));
        let failures = in_turn
            .iter()
            .chain(&together)
            .filter_map(|r| r.outcome.as_ref().err().map(|e| format!("{}: {e}", r.url)))
            .collect();
        Ok(Round {
            sequential: sequential.seconds(),
            threaded: threaded.seconds(),
            peak: server.peak_in_flight(),
            failures,
            trace: trace.snapshot(),
        })
    };
    let [cpython, rust] = alternate(settings.repeat, [&mut || python(), &mut || rust()]);
    let cpython: Vec<Round> = cpython
        .into_iter()
        .collect::<anyhow::Result<_>>()
        .context("python/waiting.py")?;
    let rust: Vec<Round> = rust.into_iter().collect::<anyhow::Result<_>>()?;
    let mut failures: Vec<String> = cpython
        .iter()
        .chain(&rust)
        .flat_map(|r| r.failures.clone())
        .collect();
    failures.sort();
    failures.dedup();
    let (Some(last_python), Some(last_rust)) = (cpython.last(), rust.last()) else {
        anyhow::bail!("no turn ran");
    };
    let timelines = SideBySide::new(
        twins.version.clone(),
        last_python.trace.clone(),
        last_rust.trace.clone(),
    );
    Ok(Figures {
        python: twins.version.clone(),
        urls: count,
        delay_s: delay.as_secs_f64(),
        cpython: side(&cpython),
        rust: side(&rust),
        failures,
        timelines,
    })
}

fn side(rounds: &[Round]) -> Side {
    Side {
        sequential: Timing::from_seconds(
            rounds.iter().map(|r| r.sequential.0),
            rounds.iter().map(|r| r.sequential.1),
        ),
        threaded: Timing::from_seconds(
            rounds.iter().map(|r| r.threaded.0),
            rounds.iter().map(|r| r.threaded.1),
        ),
        peaks: rounds.iter().map(|r| r.peak).collect(),
    }
}

pub fn report(figures: &Figures) -> Outcome {
    let n = figures.urls;
    let outcome = Outcome::new("compare-waiting", "Waiting: CPython beside Rust").intro(format!(
        "{n} downloads of {} from the same local server, one after another and then one thread \
         each; {} runs python/waiting.py, in turns with the Rust version.",
        format_seconds(figures.delay_s),
        figures.python
    ));
    let outcome = [("CPython", &figures.cpython), ("Rust", &figures.rust)]
        .into_iter()
        .flat_map(|(language, side)| rows(language, n, side))
        .fold(outcome, Outcome::run);
    let outcome = versus(figures)
        .into_iter()
        .fold(outcome, Outcome::versus)
        .side_by_side(figures.timelines.clone());
    if !figures.failures.is_empty() {
        return figures
            .failures
            .iter()
            .fold(outcome, |outcome, failure| outcome.problem(failure.clone()))
            .finding("Some downloads failed, so no verdict is given.");
    }
    outcome
        .finding(format!(
            "CPython's threads: {} than its loop; Rust's: {}. Both wait at the same time, since \
             CPython releases the GIL while a thread waits for the network.",
            faster_or_slower(speedup(&figures.cpython).median()),
            faster_or_slower(speedup(&figures.rust).median())
        ))
        .claim(in_turn_claim(figures))
        .claim(together_claim(figures))
}

/// One language's loop over its threads, run by run.
fn speedup(side: &Side) -> Samples {
    Samples::ratios(&side.sequential.wall, &side.threaded.wall)
}

/// The sum of waits, on CPython: within 20 % of N delays holds, anything else holds in part.
fn in_turn_claim(figures: &Figures) -> Claim {
    let (n, delay) = (figures.urls as f64, figures.delay_s);
    let in_turn = figures
        .cpython
        .sequential
        .wall
        .map(Unit::Ratio, |s| s / delay);
    Claim::new(
        "Downloads done one after another take the sum of their waits (3 files of 3 s: about \
         9 s).",
        Source::ARTICLE,
    )
    .measured(format!(
        "On CPython: {in_turn} one delay, for {n} downloads."
    ))
    .judge(&in_turn, |x| {
        if (x - n).abs() <= 0.2 * n {
            Verdict::Holds
        } else {
            Verdict::Partly
        }
    })
}

/// "As long as one download", on CPython: under 1.5 delays with every request in flight at
/// once holds; one of the two holds in part.
fn together_claim(figures: &Figures) -> Claim {
    let (n, delay) = (figures.urls as u64, figures.delay_s);
    let together = figures
        .cpython
        .threaded
        .wall
        .map(Unit::Ratio, |s| s / delay);
    let peaks = &figures.cpython.peaks;
    let overlapped = peaks.iter().filter(|&&p| p == n).count();
    let all_overlapped = overlapped == peaks.len();
    Claim::new(
        "On one thread per download they take about as long as one download, because a waiting \
         thread releases the GIL.",
        Source::ARTICLE,
    )
    .measured(format!(
        "On CPython: {together} one delay; all {n} requests in flight at once in {overlapped} of \
         {} runs.",
        peaks.len()
    ))
    .judge(&together, |x| match (all_overlapped, x < 1.5) {
        (true, true) => Verdict::Holds,
        (true, false) | (false, true) => Verdict::Partly,
        (false, false) => Verdict::DoesNotHold,
    })
}

/// Both sides' times again, typed, for the workspace's table.
fn versus(figures: &Figures) -> [Versus; 2] {
    let (cpython, rust) = (&figures.cpython, &figures.rust);
    [
        Versus::new(
            "waiting",
            format!("{} downloads in turn", figures.urls),
            &cpython.sequential.wall,
            &rust.sequential.wall,
        ),
        Versus::new(
            "waiting",
            format!("{} downloads on threads", figures.urls),
            &cpython.threaded.wall,
            &rust.threaded.wall,
        ),
    ]
}

fn rows(language: &str, n: usize, side: &Side) -> [Run; 2] {
    let one = Run::timed(format!("{language}: sequential"), &side.sequential);
    let mut many = Run::timed(format!("{language}: {n} threads"), &side.threaded).figure(
        "peak in flight",
        Figure::Spread(Samples::new(
            Unit::Count,
            side.peaks.iter().map(|&p| p as f64),
        )),
    );
    many.speedup = Some(speedup(side));
    [one, many]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(sequential: &[f64], threaded: &[f64], peak: u64) -> Side {
        Side {
            sequential: Timing::wall_seconds(sequential.iter().copied()),
            threaded: Timing::wall_seconds(threaded.iter().copied()),
            peaks: threaded.iter().map(|_| peak).collect(),
        }
    }

    fn figures(cpython_threaded: &[f64], peak: u64) -> Figures {
        Figures {
            python: "Python 3.11.7".into(),
            urls: 3,
            delay_s: 0.3,
            cpython: side(&[0.91, 0.92, 0.93], cpython_threaded, peak),
            rust: side(&[0.90, 0.91, 0.90], &[0.30, 0.31, 0.30], 3),
            failures: Vec::new(),
            timelines: SideBySide::new("Python 3.11.7", empty(), empty()),
        }
    }

    fn empty() -> TraceData {
        Trace::new().snapshot()
    }

    #[test]
    fn cpython_threads_that_overlap_hold_the_article() {
        let outcome = report(&figures(&[0.31, 0.32, 0.31], 3));
        let verdicts: Vec<_> = outcome.claims.iter().map(|c| c.verdict).collect();
        assert_eq!(verdicts, [Verdict::Holds, Verdict::Holds]);
        assert_eq!(outcome.runs.len(), 4);
        let pair = outcome.side_by_side.as_ref().expect("both timelines kept");
        assert_eq!(pair.python, "Python 3.11.7");
        let timed: Vec<&str> = outcome.versus.iter().map(|v| v.timed.as_str()).collect();
        assert_eq!(timed, ["3 downloads in turn", "3 downloads on threads"]);
        assert_eq!(outcome.versus[1].rust.values, [0.30, 0.31, 0.30]);
        let threads = outcome.find_run("CPython: 3 threads").expect("the row");
        assert!(threads.speedup.as_ref().is_some_and(|s| s.median() > 2.5));
    }

    #[test]
    fn a_straddling_spread_is_unclear_and_no_overlap_does_not_hold() {
        let straddling = report(&figures(&[0.31, 0.6], 3));
        assert_eq!(straddling.claims[1].verdict, Verdict::Unclear);
        let serial = report(&figures(&[0.9, 0.91], 1));
        assert_eq!(serial.claims[1].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn failures_are_problems_and_leave_no_verdict() {
        let mut figures = figures(&[0.31], 3);
        figures.failures = vec!["http://127.0.0.1:1/: refused".into()];
        let outcome = report(&figures);
        assert_eq!(outcome.problems.len(), 1);
        assert!(outcome.claims.is_empty());
    }

    #[test]
    fn a_busy_machine_leaves_no_timing_verdict() {
        let outcome = report(&figures(&[0.31, 0.32], 3)).on_busy_machine("load 5.0 on 2 cores");
        assert!(outcome.claims.iter().all(|c| c.verdict == Verdict::Unclear));
    }

    #[test]
    fn a_twin_that_leaves_out_a_figure_is_an_error_that_names_it() {
        let error = serde_json::from_str::<Twin>(
            r#"{"sequential_s": 0.9, "sequential_cpu_s": 0.01, "threaded_cpu_s": 0.01, "failed": [],
                "trace": {"clock": "measured", "lanes": [], "spans": []}}"#,
        )
        .expect_err("threaded_s is missing");
        assert!(error.to_string().contains("threaded_s"), "{error}");
    }

    #[test]
    fn cpython_in_turn_holds_within_a_fifth_of_the_sum_of_the_delays() {
        let at = |seconds: f64| {
            let mut figures = figures(&[0.30], 3);
            figures.cpython.sequential = Timing::wall_seconds([seconds]);
            in_turn_claim(&figures).verdict
        };
        assert_eq!(at(0.75), Verdict::Holds);
        assert_eq!(at(1.05), Verdict::Holds);
        assert_eq!(at(0.69), Verdict::Partly);
        assert_eq!(at(1.11), Verdict::Partly);
    }

    #[test]
    fn cpython_together_needs_both_the_overlap_and_one_and_a_half_delays() {
        let at = |seconds: f64, peak: u64| together_claim(&figures(&[seconds], peak)).verdict;
        assert_eq!(at(0.44, 3), Verdict::Holds);
        assert_eq!(at(0.46, 3), Verdict::Partly);
        assert_eq!(at(0.44, 2), Verdict::Partly);
        assert_eq!(at(0.46, 2), Verdict::DoesNotHold);
    }
}
