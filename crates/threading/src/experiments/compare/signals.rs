//! `signals` beside `python/signals.py`: Event, Condition, Semaphore and Barrier with a few
//! threads each, CPython's and Rust's in turns, each primitive's promise counted. The semaphore
//! bounds sleeps in Python and downloads in Rust: what is counted is the same, how many threads
//! were past it at once.

use anyhow::Context as _;
use lesson_kit::{Claim, Figure, Outcome, Run, Source, Timing, Twins, Verdict, alternate};
use serde::{Deserialize, Serialize};

use crate::experiments::{Settings, signals};
use crate::signals::{BarrierRun, EventRun};

/// What `python/signals.py` prints.
#[derive(Debug, Deserialize)]
struct Twin {
    event: EventRun,
    condition: TwinCondition,
    semaphore: TwinSemaphore,
    barrier: BarrierRun,
    /// Each part's wall time: event, condition, semaphore, barrier.
    seconds: [f64; 4],
}

#[derive(Debug, Deserialize)]
struct TwinCondition {
    items: u64,
    in_order: bool,
}

#[derive(Debug, Deserialize)]
struct TwinSemaphore {
    threads: u64,
    permits: u64,
    peak_inside: u64,
}

/// One round of one language: each primitive's counts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Round {
    pub event: EventRun,
    pub condition_items: u64,
    /// Every item came through the condition, in the order it was put in.
    pub condition_in_order: bool,
    pub semaphore_threads: u64,
    pub permits: u64,
    /// The most threads past the semaphore at once.
    pub semaphore_peak: u64,
    pub barrier: BarrierRun,
    /// Each part's wall time: event, condition, semaphore, barrier.
    pub wall_s: [f64; 4],
    /// Rust's downloads that failed (Python's semaphore guards sleeps, which cannot fail).
    pub failures: Vec<String>,
}

impl Round {
    /// Whether each primitive kept its promise, in the order of `PRIMITIVES`.
    fn kept(&self) -> [bool; 4] {
        [
            self.event.woken == self.event.waiters && self.event.early == 0,
            self.condition_in_order,
            self.semaphore_peak <= self.permits,
            self.barrier.early == 0,
        ]
    }
}

const PRIMITIVES: [&str; 4] = ["Event", "Condition", "Semaphore", "Barrier"];

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub cpython: Vec<Round>,
    pub rust: Vec<Round>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let python = || -> anyhow::Result<Round> {
        let twin: Twin = twins.run("signals.py", &[])?;
        Ok(Round {
            event: twin.event,
            condition_items: twin.condition.items,
            condition_in_order: twin.condition.in_order,
            semaphore_threads: twin.semaphore.threads,
            permits: twin.semaphore.permits,
            semaphore_peak: twin.semaphore.peak_inside,
            barrier: twin.barrier,
            wall_s: twin.seconds,
            failures: Vec::new(),
        })
    };
    // The Rust side is the `signals` experiment itself.
    let rust = || -> anyhow::Result<Round> {
        let figures = signals::measure(settings)?;
        Ok(Round {
            event: figures.event,
            condition_items: figures.condition.items,
            condition_in_order: figures.condition.received_in_order == figures.condition.items,
            semaphore_threads: figures.semaphore.threads,
            permits: figures.semaphore.permits,
            semaphore_peak: figures.semaphore.peak_in_flight,
            barrier: figures.barrier,
            wall_s: figures.wall_s,
            failures: figures.semaphore.failures,
        })
    };
    let [cpython, rust] = alternate(settings.repeat, [&mut || python(), &mut || rust()]);
    Ok(Figures {
        python: twins.version.clone(),
        cpython: cpython
            .into_iter()
            .collect::<anyhow::Result<_>>()
            .context("python/signals.py")?,
        rust: rust.into_iter().collect::<anyhow::Result<_>>()?,
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let languages = [("CPython", &figures.cpython), ("Rust", &figures.rust)];
    let outcome = Outcome::new("compare-signals", "Signals: CPython beside Rust").intro(format!(
        "Event, Condition, Semaphore and Barrier, each run with a few threads; {} runs \
         python/signals.py, in turns with the `signals` experiment. The table counts the runs \
         in which each kept its promise. Python's semaphore guards sleeps, Rust's downloads from \
         the local server: their times differ, what they promise does not.",
        figures.python
    ));
    let outcome = languages
        .into_iter()
        .flat_map(|(language, rounds)| rows(language, rounds))
        .fold(outcome, Outcome::run);
    problems(figures)
        .into_iter()
        .fold(outcome, Outcome::problem)
        .finding(format!(
            "CPython kept {} of {} promises; Rust kept {} of {}.",
            kept(&figures.cpython),
            4 * figures.cpython.len(),
            kept(&figures.rust),
            4 * figures.rust.len()
        ))
        .claim(semaphore_claim(figures))
        .claim(barrier_claim(figures))
}

/// One row per primitive: its time, and in how many runs it kept its promise.
fn rows(language: &str, rounds: &[Round]) -> Vec<Run> {
    PRIMITIVES
        .iter()
        .enumerate()
        .map(|(i, primitive)| {
            let timing = Timing::wall_seconds(rounds.iter().map(|r| r.wall_s[i]));
            let kept = rounds.iter().filter(|r| r.kept()[i]).count() as u64;
            Run::timed(format!("{language}: {primitive}"), &timing)
                .figure("runs", Figure::Count(rounds.len() as u64))
                .figure("promise kept", Figure::Count(kept))
        })
        .collect()
}

/// Promises kept, over every primitive of every round.
fn kept(rounds: &[Round]) -> usize {
    rounds.iter().flat_map(Round::kept).filter(|k| *k).count()
}

/// Rust's failed downloads, and a Rust primitive that broke its promise: std's must never.
fn problems(figures: &Figures) -> Vec<String> {
    let failures = figures.rust.iter().flat_map(|r| r.failures.iter().cloned());
    let broken = PRIMITIVES
        .iter()
        .enumerate()
        .filter(|(i, _)| figures.rust.iter().any(|r| !r.kept()[*i]))
        .map(|(_, primitive)| format!("Rust: the {primitive} did not keep its promise"));
    failures.chain(broken).collect()
}

/// Counted, on CPython: exactly `permits` past at once in every run holds; fewer holds in part
/// (the bound was never reached); more does not hold.
fn semaphore_claim(figures: &Figures) -> Claim {
    let rounds = &figures.cpython;
    let peaks: Vec<String> = rounds
        .iter()
        .map(|r| r.semaphore_peak.to_string())
        .collect();
    let claim = Claim::new(
        "`threading.Semaphore(n)` lets at most n threads past at once; the others wait.",
        Source::link(
            "Python docs, Semaphore objects",
            "https://docs.python.org/3/library/threading.html#semaphore-objects",
        ),
    )
    .measured(format!(
        "{}, Semaphore({}): at most {} of {} threads inside at once, run by run.",
        figures.python,
        rounds.first().map_or(0, |r| r.permits),
        peaks.join(", "),
        rounds.first().map_or(0, |r| r.semaphore_threads)
    ));
    claim.verdict(if rounds.iter().any(|r| r.semaphore_peak > r.permits) {
        Verdict::DoesNotHold
    } else if !rounds.is_empty() && rounds.iter().all(|r| r.semaphore_peak == r.permits) {
        Verdict::Holds
    } else {
        Verdict::Partly
    })
}

/// Counted, on CPython: no thread past the barrier early, in any run.
fn barrier_claim(figures: &Figures) -> Claim {
    let early: u64 = figures.cpython.iter().map(|r| r.barrier.early).sum();
    let threads: u64 = figures.cpython.iter().map(|r| r.barrier.threads).sum();
    Claim::new(
        "No thread passes a `threading.Barrier` before all of its parties have arrived.",
        Source::link(
            "Python docs, Barrier objects",
            "https://docs.python.org/3/library/threading.html#barrier-objects",
        ),
    )
    .measured(format!(
        "{}: {early} of {threads} threads passed early, over {} runs.",
        figures.python,
        figures.cpython.len()
    ))
    .verdict(if early == 0 && threads > 0 {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(semaphore_peak: u64, barrier_early: u64) -> Round {
        Round {
            event: EventRun {
                waiters: 8,
                woken: 8,
                early: 0,
            },
            condition_items: 10_000,
            condition_in_order: true,
            semaphore_threads: 6,
            permits: 2,
            semaphore_peak,
            barrier: BarrierRun {
                threads: 8,
                early: barrier_early,
            },
            wall_s: [0.005, 0.009, 0.15, 0.001],
            failures: Vec::new(),
        }
    }

    fn figures(cpython: Vec<Round>) -> Figures {
        Figures {
            python: "Python 3.11.7".into(),
            cpython,
            rust: vec![round(2, 0), round(2, 0)],
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn promises_kept_on_both_sides_hold_both_claims() {
        let outcome = report(&figures(vec![round(2, 0), round(2, 0)]));
        assert_eq!(verdicts(&outcome), [Verdict::Holds, Verdict::Holds]);
        assert!(outcome.problems.is_empty());
        assert_eq!(outcome.runs.len(), 8);
        let row = outcome.find_run("CPython: Semaphore").expect("a row");
        assert_eq!(row.get("promise kept").and_then(Figure::as_f64), Some(2.0));
        assert!(outcome.findings[0].contains("CPython kept 8 of 8"));
    }

    #[test]
    fn the_semaphore_thresholds() {
        let at = |peaks: &[u64]| {
            let rounds = peaks.iter().map(|&p| round(p, 0)).collect();
            semaphore_claim(&figures(rounds)).verdict
        };
        assert_eq!(at(&[2, 2]), Verdict::Holds);
        assert_eq!(at(&[2, 1]), Verdict::Partly);
        assert_eq!(at(&[2, 3]), Verdict::DoesNotHold);
    }

    #[test]
    fn a_thread_early_past_the_barrier_does_not_hold() {
        let outcome = report(&figures(vec![round(2, 0), round(2, 1)]));
        assert_eq!(outcome.claims[1].verdict, Verdict::DoesNotHold);
        assert!(outcome.claims[1].measured.contains("1 of 16"));
    }

    #[test]
    fn a_broken_rust_promise_and_a_failed_download_are_problems() {
        let mut figures = figures(vec![round(2, 0)]);
        figures.rust[1].event.early = 1;
        figures.rust[0].failures = vec!["http://127.0.0.1:1/: connection refused".into()];
        let problems = report(&figures).problems;
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[1].contains("Event"), "{problems:?}");
    }

    #[test]
    fn a_twin_that_leaves_out_a_figure_is_an_error_that_names_it() {
        let json = r#"{"event": {"waiters": 8, "woken": 8, "early": 0},
            "condition": {"items": 10, "in_order": true},
            "semaphore": {"threads": 6, "permits": 2},
            "barrier": {"threads": 8, "early": 0}, "seconds": [0, 0, 0, 0]}"#;
        let error = serde_json::from_str::<Twin>(json).expect_err("peak_inside is missing");
        assert!(error.to_string().contains("peak_inside"), "{error}");
    }
}
