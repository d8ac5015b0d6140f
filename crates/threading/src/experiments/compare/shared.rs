//! `shared` beside `python/shared.py`: `counter += 1` on four CPython threads, at the default
//! switch interval and at 1 µs, in turns with Rust's load-then-store on four threads.
//!
//! Since CPython 3.10 the eval loop honours a request to switch threads only at backward jumps
//! and calls (bpo-29988), not between any two bytecodes: the read and the write of
//! `counter += 1` on an `int` run with no switch point between them, so on a GIL build the loop
//! loses nothing. That is not a guarantee: a free-threaded build has no GIL to serialise them,
//! and an `__iadd__` written in Python is a call, hence a switch point.

use anyhow::Context as _;
use lesson_kit::report::group_thousands;
use lesson_kit::{
    Claim, Figure, Outcome, Run, Samples, Source, Timing, Twins, Unit, Verdict, alternate,
    stopwatch,
};
use serde::{Deserialize, Serialize};

use crate::counter::{self, Count};
use crate::experiments::Settings;
use crate::experiments::shared::THREADS;

/// What `python/shared.py` prints.
#[derive(Debug, Deserialize)]
struct Twin {
    /// What the counter said at the default switch interval (5 ms), and how long it took…
    counted: u64,
    seconds: f64,
    /// …and with `sys.setswitchinterval(1e-6)`.
    counted_fast_switching: u64,
    seconds_fast_switching: f64,
    /// `sys._is_gil_enabled()` where it exists (3.13+), else true.
    gil_enabled: bool,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub gil_enabled: bool,
    pub threads: usize,
    pub increments: u64,
    /// CPython at the default switch interval, each run.
    pub cpython: Vec<Count>,
    /// CPython at a 1 µs switch interval, each run.
    pub cpython_fast_switching: Vec<Count>,
    /// Rust's load then store, each run.
    pub rust: Vec<Count>,
    /// How long each run took.
    pub cpython_s: Vec<f64>,
    pub cpython_fast_switching_s: Vec<f64>,
    pub rust_s: Vec<f64>,
}

/// One run of one language.
struct Round {
    counted: Count,
    /// CPython's run at a 1 µs switch interval (Rust has no switch interval).
    fast_switching: Option<(Count, f64)>,
    seconds: f64,
    /// Whether CPython ran with a GIL (None for Rust).
    gil_enabled: Option<bool>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let increments: u64 = settings.size(1_000_000, 10_000_000);
    let expected = THREADS as u64 * increments;
    let args = [
        format!("--threads={THREADS}"),
        format!("--increments={increments}"),
    ];
    let count = |counted| Count { expected, counted };
    let python = || -> anyhow::Result<Round> {
        let twin: Twin = twins.run("shared.py", &args)?;
        Ok(Round {
            counted: count(twin.counted),
            fast_switching: Some((
                count(twin.counted_fast_switching),
                twin.seconds_fast_switching,
            )),
            seconds: twin.seconds,
            gil_enabled: Some(twin.gil_enabled),
        })
    };
    let rust = || -> anyhow::Result<Round> {
        let (counted, took) = stopwatch(|| counter::load_then_store(THREADS, increments));
        Ok(Round {
            counted,
            fast_switching: None,
            seconds: took.wall.as_secs_f64(),
            gil_enabled: None,
        })
    };
    let [cpython, rust] = alternate(settings.repeat, [&mut || python(), &mut || rust()]);
    let cpython: Vec<Round> = cpython
        .into_iter()
        .collect::<anyhow::Result<_>>()
        .context("python/shared.py")?;
    let rust: Vec<Round> = rust.into_iter().collect::<anyhow::Result<_>>()?;
    Ok(Figures {
        python: twins.version.clone(),
        gil_enabled: cpython.iter().all(|r| r.gil_enabled != Some(false)),
        threads: THREADS,
        increments,
        cpython: cpython.iter().map(|r| r.counted).collect(),
        cpython_fast_switching: cpython
            .iter()
            .filter_map(|r| r.fast_switching.map(|f| f.0))
            .collect(),
        cpython_fast_switching_s: cpython
            .iter()
            .filter_map(|r| r.fast_switching.map(|f| f.1))
            .collect(),
        rust: rust.iter().map(|r| r.counted).collect(),
        cpython_s: cpython.iter().map(|r| r.seconds).collect(),
        rust_s: rust.iter().map(|r| r.seconds).collect(),
    })
}

fn lost(counts: &[Count]) -> Samples {
    Samples::new(Unit::Count, counts.iter().map(|c| c.lost() as f64))
}

pub fn report(figures: &Figures) -> Outcome {
    let expected = expected(figures);
    let cpython = lost(&figures.cpython);
    let fast = lost(&figures.cpython_fast_switching);
    let rust = lost(&figures.rust);
    let outcome = Outcome::new("compare-shared", "The counter race: CPython beside Rust")
        .intro(format!(
            "{} threads each add one to a shared counter {} times: `counter += 1` in {} ({}), at \
             the default switch interval and at 1 µs; then Rust's load followed by a store.",
            figures.threads,
            group_thousands(figures.increments),
            figures.python,
            build(figures)
        ))
        .run(row(
            figures,
            "CPython, 5 ms switch interval",
            &figures.cpython,
            &figures.cpython_s,
        ))
        .run(row(
            figures,
            "CPython, 1 µs switch interval",
            &figures.cpython_fast_switching,
            &figures.cpython_fast_switching_s,
        ))
        .run(row(
            figures,
            "Rust, load then store",
            &figures.rust,
            &figures.rust_s,
        ))
        .finding(format!(
            "CPython lost {cpython} of {} updates ({fast} at a 1 µs switch interval); Rust's \
             load then store lost {rust}.",
            group_thousands(expected)
        ));
    no_loss_finding(figures)
        .into_iter()
        .fold(outcome, Outcome::finding)
        .claim(lost_updates_claim(figures))
}

fn expected(figures: &Figures) -> u64 {
    figures.cpython.first().map_or(0, |c| c.expected)
}

fn build(figures: &Figures) -> &'static str {
    if figures.gil_enabled {
        "with its GIL"
    } else {
        "free-threaded, with no GIL"
    }
}

fn row(figures: &Figures, label: &str, counts: &[Count], seconds: &[f64]) -> Run {
    let timing = Timing::wall_seconds(seconds.iter().copied());
    Run::timed(label, &timing)
        .figure("expected", Figure::Count(expected(figures)))
        .figure("lost", Figure::Spread(lost(counts)))
}

/// Why a GIL build lost nothing, said only when it did lose nothing.
fn no_loss_finding(figures: &Figures) -> Option<&'static str> {
    let none_lost =
        lost(&figures.cpython).max() == 0.0 && lost(&figures.cpython_fast_switching).max() == 0.0;
    (figures.gil_enabled && none_lost).then_some(
        "No update was lost on CPython: since 3.10 a thread holding the GIL lets go of it only \
         at a backward jump or a call, and there is none between the read and the write of \
         `counter += 1` on an int. That is how this CPython runs, not a promise: a \
         free-threaded build, or a `+=` that calls Python code, loses updates.",
    )
}

/// Counted: any update lost on CPython, at either switch interval, holds the FAQ's warning.
fn lost_updates_claim(figures: &Figures) -> Claim {
    let cpython = lost(&figures.cpython);
    let fast = lost(&figures.cpython_fast_switching);
    let lost_any = cpython.max() > 0.0 || fast.max() > 0.0;
    Claim::new(
        "`counter += 1` on a shared counter is not atomic: Python threads lose updates.",
        Source::link(
            "the Python FAQ",
            "https://docs.python.org/3/faq/library.html#what-kinds-of-global-value-mutation-are-thread-safe",
        ),
    )
    .measured(format!(
        "{} ({}) lost {cpython} of {} at the default switch interval and {fast} at 1 µs.",
        figures.python,
        build(figures),
        group_thousands(expected(figures))
    ))
    .verdict(if lost_any {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(counted: &[u64]) -> Vec<Count> {
        counted
            .iter()
            .map(|&counted| Count {
                expected: 4_000_000,
                counted,
            })
            .collect()
    }

    fn figures(cpython: &[u64], gil_enabled: bool) -> Figures {
        Figures {
            python: "Python 3.11.7".into(),
            gil_enabled,
            threads: 4,
            increments: 1_000_000,
            cpython: counts(cpython),
            cpython_fast_switching: counts(cpython),
            rust: counts(&[2_000_000, 2_100_000]),
            cpython_s: vec![0.3; cpython.len()],
            cpython_fast_switching_s: vec![0.6; cpython.len()],
            rust_s: vec![0.01, 0.01],
        }
    }

    #[test]
    fn a_gil_build_that_lost_nothing_does_not_hold_the_faq_and_says_why() {
        let outcome = report(&figures(&[4_000_000, 4_000_000], true));
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
        assert!(outcome.findings.iter().any(|f| f.contains("since 3.10")));
        let rust = outcome
            .find_run("Rust, load then store")
            .and_then(|r| r.get("lost"));
        assert_eq!(rust.and_then(Figure::as_f64), Some(1_950_000.0));
    }

    #[test]
    fn lost_updates_hold_it_and_are_not_blamed_on_3_10() {
        let outcome = report(&figures(&[3_999_000, 4_000_000], false));
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
        assert!(!outcome.findings.iter().any(|f| f.contains("since 3.10")));
    }

    #[test]
    fn a_count_stands_on_a_busy_machine() {
        let outcome = report(&figures(&[4_000_000], true)).on_busy_machine("load 5.0");
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
    }
}
