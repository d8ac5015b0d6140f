//! Experiment `race`: no GIL is not thread-safe. Four threads run `counter += 1` on one shared
//! counter, under CPython's GIL and with no GIL (a free-threaded build), then with no GIL and a
//! lock around each `+= 1`.
//!
//! Under the GIL of 3.10 and later a thread lets go only at a backward jump or a call, never
//! between the read and the write of `+= 1`, so a plain counter loses nothing (CPython 3.11 lost
//! 0 of 4,000,000 here). Take the GIL away and the threads run on every core at once: two read
//! the same value, both write value + 1, and an update is gone. PEP 703 keeps CPython's own
//! objects consistent without the GIL; a read-modify-write in your code is still yours to lock.
//!
//! Python twin: `python/race.py`. Example: `examples/11_count_race.rs`.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use lesson_kit::report::{format_seconds, group_thousands};
use lesson_kit::{Claim, Figure, Outcome, Run, Samples, Timing, Unit, Verdict, alternate};
use serde::Serialize;

use super::sources::{CEVAL_EVAL_BREAKER, PEP_703};
use super::{LessonError, Settings, ThreadsRun, python_threads};
use crate::{DEFAULT_SWITCH_INTERVAL, Mode, work};

/// Threads that add to the counter at once, as in the threading lesson's `shared`.
pub const THREADS: usize = 4;

/// Each thread's `+= 1`s: 1,000,000 by default (4,000,000 in all, the size CPython 3.11 was
/// measured at), 10,000,000 with `--full`.
pub fn increments(settings: &Settings) -> u64 {
    settings.size(1_000_000, 10_000_000)
}

/// The GIL run's switch interval: the shortest CPython accepts in practice, so that the GIL
/// changes hands thousands of times in the loop. At the default 5 ms a thread could finish
/// before anyone asked it to let go, and losing nothing would prove nothing.
pub const GIL_INTERVAL: Duration = Duration::from_micros(1);

/// One way of counting, run `--repeat` times.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Counted {
    /// What the counter said at the end of each run.
    pub counts: Vec<u64>,
    pub timing: Timing,
}

impl Counted {
    /// Updates lost in each run, out of `expected`.
    pub fn lost(&self, expected: u64) -> Samples {
        let lost = self.counts.iter().map(|&c| expected.saturating_sub(c));
        Samples::new(Unit::Count, lost.map(|l| l as f64))
    }
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub threads: usize,
    /// `+= 1`s per thread.
    pub increments: u64,
    /// CPython's GIL (3.12's protocol) at [`GIL_INTERVAL`]: a thread lets go only at the loop's
    /// backward jump.
    pub gil: Counted,
    /// How many times the GIL changed hands in each GIL run.
    pub gil_switches: Samples,
    /// No GIL: every thread on a core at once.
    pub no_gil: Counted,
    /// No GIL, `with lock: counter += 1`.
    pub no_gil_locked: Counted,
}

impl Figures {
    pub fn expected(&self) -> u64 {
        self.threads as u64 * self.increments
    }
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let n = increments(settings);
    let [gil, no_gil, locked] = alternate(
        settings.repeat,
        [
            &mut || plain_counter(Mode::Cpython312, GIL_INTERVAL, n),
            &mut || plain_counter(Mode::FreeThreaded, DEFAULT_SWITCH_INTERVAL, n),
            &mut || locked_counter(n),
        ],
    );
    Ok(Figures {
        threads: THREADS,
        increments: n,
        gil_switches: Samples::new(Unit::Count, gil.iter().map(|(_, r)| r.switches as f64)),
        gil: counted(&gil),
        no_gil: counted(&no_gil),
        no_gil_locked: counted(&locked),
    })
}

/// [`THREADS`] threads of one interpreter in `mode`, each `counter += 1` `n` times; what the
/// counter said at the end.
fn plain_counter(mode: Mode, interval: Duration, n: u64) -> (u64, ThreadsRun) {
    let counter = AtomicU64::new(0);
    let run = python_threads(mode, interval, THREADS, |py, _| {
        work::count_up(py, &counter, n);
    });
    (counter.load(Relaxed), run)
}

/// The same with no GIL, each `+= 1` inside `with lock:` (a `threading.Lock`).
fn locked_counter(n: u64) -> (u64, ThreadsRun) {
    let counter = Mutex::new(0_u64);
    let run = python_threads(
        Mode::FreeThreaded,
        DEFAULT_SWITCH_INTERVAL,
        THREADS,
        |py, _| {
            for _ in 0..n {
                *counter.lock().unwrap_or_else(PoisonError::into_inner) += 1;
                py.check_after(crate::legacy::TICKS_PER_ITERATION);
            }
        },
    );
    let count = *counter.lock().unwrap_or_else(PoisonError::into_inner);
    (count, run)
}

fn counted(runs: &[(u64, ThreadsRun)]) -> Counted {
    let measurements: Vec<_> = runs.iter().map(|(_, run)| run.measurement).collect();
    Counted {
        counts: runs.iter().map(|(count, _)| *count).collect(),
        timing: Timing::of(&measurements),
    }
}

pub fn report(figures: &Figures) -> Outcome {
    let expected = figures.expected();
    let gil = figures.gil.lost(expected);
    let no_gil = figures.no_gil.lost(expected);
    let outcome = Outcome::new("race", "No GIL is not thread-safe: the counter race")
        .intro(format!(
            "{} threads each run `counter += 1` {} times on one shared counter: a read and a \
             write, then the loop's backward jump. Under CPython's GIL (switch interval {}, so \
             that it changes hands often), with no GIL (a free-threaded build), and with no GIL \
             and a lock around each `+= 1`.",
            figures.threads,
            group_thousands(figures.increments),
            format_seconds(GIL_INTERVAL.as_secs_f64())
        ))
        .run(
            row("GIL", &figures.gil, expected)
                .figure("switches", Figure::Spread(figures.gil_switches.clone())),
        )
        .run(row("no GIL", &figures.no_gil, expected))
        .run(row("no GIL, with a lock", &figures.no_gil_locked, expected))
        .finding(no_gil_finding(&no_gil, expected))
        .finding(format!(
            "Under the GIL {gil} updates were lost, though it changed hands {} times: a thread \
             is asked to let go only at the loop's backward jump, never between the read and \
             the write.",
            figures.gil_switches
        ));
    locked_problem(figures)
        .into_iter()
        .fold(outcome, Outcome::problem)
        .claim(no_gil_claim(&no_gil, expected))
        .claim(gil_claim(&gil, &figures.gil_switches, expected))
}

fn no_gil_finding(lost: &Samples, expected: u64) -> String {
    if lost.max() > 0.0 {
        format!(
            "With no GIL, {lost} of {} updates were lost: two threads read the same value on \
             two cores, both wrote value + 1. With a lock around the `+= 1`, none.",
            group_thousands(expected)
        )
    } else {
        "With no GIL no update was lost in these runs: the race needs two threads between the \
         read and the write at the same moment. Run it again, or with `--full`."
            .to_string()
    }
}

/// The lock must never lose an update: one that did is a problem.
fn locked_problem(figures: &Figures) -> Option<String> {
    let lost = figures.no_gil_locked.lost(figures.expected());
    (lost.max() > 0.0).then(|| format!("the locked counter lost {lost} updates, which it must not"))
}

/// A count, not a time: a busy machine cannot invent a lost update, but no loss in a few runs
/// proves nothing (the race needs two threads in the gap at once).
fn no_gil_claim(lost: &Samples, expected: u64) -> Claim {
    let claim = Claim::new(
        "Without the GIL, Python code is not thread-safe: `counter += 1` from several threads \
         loses updates unless a lock makes it one step.",
        PEP_703,
    )
    .measured(format!(
        "With no GIL, {lost} of {} updates lost per run.",
        group_thousands(expected)
    ));
    if lost.max() > 0.0 {
        claim.verdict(Verdict::Holds)
    } else {
        claim.unclear("no update was lost in these runs; the race depends on timing")
    }
}

fn gil_claim(lost: &Samples, switches: &Samples, expected: u64) -> Claim {
    let claim = Claim::new(
        "Under the GIL of 3.10 and later a thread lets go only at a backward jump or a call, so \
         a plain `counter += 1` is never split between threads.",
        CEVAL_EVAL_BREAKER,
    )
    .measured(format!(
        "Under the GIL, {lost} of {} updates lost per run, over {switches} hand-overs.",
        group_thousands(expected)
    ));
    if lost.max() > 0.0 {
        claim.verdict(Verdict::DoesNotHold)
    } else if switches.max() == 0.0 {
        claim.unclear("the GIL never changed hands, so nothing could have split an update")
    } else {
        claim.verdict(Verdict::Holds)
    }
}

fn row(label: &str, counted: &Counted, expected: u64) -> Run {
    let counts = Samples::new(Unit::Count, counted.counts.iter().map(|&c| c as f64));
    Run::timed(label, &counted.timing)
        .figure("counted", Figure::Spread(counts))
        .figure("lost", Figure::Spread(counted.lost(expected)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(counts: &[u64]) -> Counted {
        Counted {
            counts: counts.to_vec(),
            timing: Timing::wall_seconds(vec![0.01; counts.len()]),
        }
    }

    fn figures(gil: &[u64], no_gil: &[u64], locked: &[u64]) -> Figures {
        Figures {
            threads: 4,
            increments: 1_000,
            gil: counted(gil),
            gil_switches: Samples::new(Unit::Count, gil.iter().map(|_| 100.0)),
            no_gil: counted(no_gil),
            no_gil_locked: counted(locked),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn a_race_without_the_gil_and_none_under_it_hold_both_claims() {
        let outcome = report(&figures(&[4_000, 4_000], &[2_731, 3_002], &[4_000, 4_000]));
        assert_eq!(verdicts(&outcome), [Verdict::Holds, Verdict::Holds]);
        assert!(outcome.problems.is_empty());
        assert!(
            outcome.findings[0].contains("of 4,000"),
            "{:?}",
            outcome.findings
        );
    }

    #[test]
    fn no_loss_without_the_gil_is_unclear_not_a_verdict() {
        let outcome = report(&figures(&[4_000], &[4_000], &[4_000]));
        assert_eq!(verdicts(&outcome), [Verdict::Unclear, Verdict::Holds]);
    }

    #[test]
    fn no_loss_under_a_gil_that_never_changed_hands_proves_nothing() {
        let mut figures = figures(&[4_000], &[3_000], &[4_000]);
        figures.gil_switches = Samples::new(Unit::Count, [0.0]);
        assert_eq!(
            verdicts(&report(&figures)),
            [Verdict::Holds, Verdict::Unclear]
        );
    }

    #[test]
    fn a_loss_under_the_gil_does_not_hold_and_a_lossy_lock_is_a_problem() {
        let outcome = report(&figures(&[3_999], &[3_000], &[3_998]));
        assert_eq!(verdicts(&outcome), [Verdict::Holds, Verdict::DoesNotHold]);
        assert_eq!(outcome.problems.len(), 1);
        assert!(outcome.problems[0].contains("locked counter"));
    }
}
