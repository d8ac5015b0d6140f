//! Experiment `signals`: `Event`, `Condition`, `Semaphore` and `Barrier` → their Rust
//! counterparts, each run with a few threads and its promise counted.
//!
//! Python twin: `python/signals.py`. Example files: `14_event.rs`, `15_condition.rs`,
//! `16_semaphore.rs`, `17_barrier.rs`.

use std::time::Duration;

use lesson_kit::report::{format_seconds, group_thousands};
use lesson_kit::{Claim, DelayServer, Figure, Outcome, Run, Source, Verdict, stopwatch};
use serde::Serialize;

use super::{LessonError, Settings};
use crate::fetch::Client;
use crate::signals::{self, BarrierRun, ConditionRun, EventRun, SemaphoreRun};

pub const PERMITS: usize = 2;

#[derive(Debug, Serialize)]
pub struct Figures {
    pub event: EventRun,
    pub condition: ConditionRun,
    pub semaphore: SemaphoreRun,
    pub barrier: BarrierRun,
    /// The server's delay for each of the semaphore's downloads.
    pub delay_s: f64,
    /// Each part's wall time, in the order above.
    pub wall_s: [f64; 4],
}

pub fn measure(_settings: &Settings) -> Result<Figures, LessonError> {
    let delay = Duration::from_millis(100);
    let server = DelayServer::start()?;
    let client = Client::new(Duration::from_secs(10))?;
    let urls: Vec<String> = (0..6).map(|_| server.delay_url(delay)).collect();

    let (event, event_time) = stopwatch(|| signals::event(8));
    let (condition, condition_time) = stopwatch(|| signals::condition(10_000));
    let (failures, semaphore_time) = stopwatch(|| signals::semaphore(&client, &urls, PERMITS));
    let (barrier, barrier_time) = stopwatch(|| signals::barrier(8));
    let wall = [event_time, condition_time, semaphore_time, barrier_time];
    Ok(Figures {
        event,
        condition,
        semaphore: SemaphoreRun {
            threads: urls.len() as u64,
            permits: PERMITS as u64,
            peak_in_flight: server.peak_in_flight(),
            failures,
        },
        barrier,
        delay_s: delay.as_secs_f64(),
        wall_s: wall.map(|m| m.wall.as_secs_f64()),
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let (event, condition, semaphore, barrier) = (
        &figures.event,
        &figures.condition,
        &figures.semaphore,
        &figures.barrier,
    );
    let outcome = Outcome::new(
        "signals",
        "Event, Condition, Semaphore, Barrier → Condvar, Barrier",
    )
    .intro(
        "Four ways for threads to wait for each other, each run once with a few threads; the \
         table counts whether each kept its promise.",
    );
    let outcome = rows(figures)
        .into_iter()
        .fold(outcome, Outcome::run)
        .finding(format!(
            "Event: {} of {} waiting threads woke, {} before `set`.",
            event.woken, event.waiters, event.early
        ))
        .finding(format!(
            "Condition: the consumer got {} of {} items, in order, sleeping on the condition \
             variable whenever the queue was empty.",
            group_thousands(condition.received_in_order),
            group_thousands(condition.items)
        ))
        .finding(format!(
            "Semaphore: {} threads each downloaded one URL ({} each), and the server never had \
             more than {} requests in flight: the other threads waited for a permit.",
            semaphore.threads,
            format_seconds(figures.delay_s),
            semaphore.peak_in_flight
        ))
        .finding(format!(
            "Barrier: {} of {} threads began their second phase before all had finished the \
             first.",
            barrier.early, barrier.threads
        ));
    problems(figures)
        .into_iter()
        .fold(outcome, Outcome::problem)
        .claim(semaphore_claim(semaphore))
        .claim(barrier_claim(barrier))
}

/// One row per primitive, each with the counts that say whether it kept its promise.
fn rows(figures: &Figures) -> [Run; 4] {
    let (event, condition, semaphore, barrier) = (
        &figures.event,
        &figures.condition,
        &figures.semaphore,
        &figures.barrier,
    );
    let row = |label: &str, i: usize| Run::new(label, Duration::from_secs_f64(figures.wall_s[i]));
    [
        row("Event", 0)
            .figure("threads", Figure::Count(event.waiters))
            .figure("woke", Figure::Count(event.woken))
            .figure("too early", Figure::Count(event.early)),
        row("Condition", 1)
            .figure("items", Figure::Count(condition.items))
            .figure("in order", Figure::Count(condition.received_in_order)),
        row(&format!("Semaphore({})", semaphore.permits), 2)
            .figure("threads", Figure::Count(semaphore.threads))
            .figure("peak in flight", Figure::Count(semaphore.peak_in_flight)),
        row("Barrier", 3)
            .figure("threads", Figure::Count(barrier.threads))
            .figure("too early", Figure::Count(barrier.early)),
    ]
}

/// The semaphore's failed downloads, and each primitive that broke its promise (the
/// semaphore's own promise is its claim).
fn problems(figures: &Figures) -> Vec<String> {
    let (event, condition, barrier) = (&figures.event, &figures.condition, &figures.barrier);
    let broken = [
        (event.woken != event.waiters || event.early > 0, "Event"),
        (condition.received_in_order != condition.items, "Condition"),
        (barrier.early > 0, "Barrier"),
    ];
    let broken = broken
        .into_iter()
        .filter(|(broken, _)| *broken)
        .map(|(_, name)| format!("the {name} did not keep its promise"));
    figures
        .semaphore
        .failures
        .iter()
        .cloned()
        .chain(broken)
        .collect()
}

/// Counted: exactly `permits` in flight holds; fewer holds in part (the bound was never
/// reached); more does not hold.
fn semaphore_claim(semaphore: &SemaphoreRun) -> Claim {
    Claim::new(
        "`threading.Semaphore(n)` lets at most n threads past at once; the others wait.",
        Source::link(
            "Python docs, Semaphore objects",
            "https://docs.python.org/3/library/threading.html#semaphore-objects",
        ),
    )
    .measured(format!(
        "Semaphore({}): at most {} of {} downloads in flight at once.",
        semaphore.permits, semaphore.peak_in_flight, semaphore.threads
    ))
    .verdict(match semaphore.peak_in_flight.cmp(&semaphore.permits) {
        std::cmp::Ordering::Equal => Verdict::Holds,
        std::cmp::Ordering::Less => Verdict::Partly,
        std::cmp::Ordering::Greater => Verdict::DoesNotHold,
    })
}

fn barrier_claim(barrier: &BarrierRun) -> Claim {
    Claim::new(
        "No thread passes a `threading.Barrier` before all of its parties have arrived.",
        Source::link(
            "Python docs, Barrier objects",
            "https://docs.python.org/3/library/threading.html#barrier-objects",
        ),
    )
    .measured(format!(
        "{} of {} threads passed early.",
        barrier.early, barrier.threads
    ))
    .verdict(if barrier.early == 0 {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(peak_in_flight: u64, barrier_early: u64) -> Figures {
        Figures {
            event: EventRun {
                waiters: 8,
                woken: 8,
                early: 0,
            },
            condition: ConditionRun {
                items: 10_000,
                received_in_order: 10_000,
            },
            semaphore: SemaphoreRun {
                threads: 6,
                permits: 2,
                peak_in_flight,
                failures: Vec::new(),
            },
            barrier: BarrierRun {
                threads: 8,
                early: barrier_early,
            },
            delay_s: 0.1,
            wall_s: [0.001, 0.01, 0.3, 0.001],
        }
    }

    #[test]
    fn promises_kept_hold_both_claims() {
        let outcome = report(&figures(2, 0));
        let verdicts: Vec<_> = outcome.claims.iter().map(|c| c.verdict).collect();
        assert_eq!(verdicts, [Verdict::Holds, Verdict::Holds]);
        assert!(outcome.problems.is_empty());
        assert_eq!(outcome.runs.len(), 4);
    }

    #[test]
    fn the_semaphore_thresholds() {
        assert_eq!(report(&figures(1, 0)).claims[0].verdict, Verdict::Partly);
        assert_eq!(
            report(&figures(3, 0)).claims[0].verdict,
            Verdict::DoesNotHold
        );
    }

    #[test]
    fn a_broken_barrier_is_a_problem_and_does_not_hold() {
        let outcome = report(&figures(2, 1));
        assert_eq!(outcome.claims[1].verdict, Verdict::DoesNotHold);
        assert_eq!(outcome.problems.len(), 1);
    }

    #[test]
    fn counts_stand_on_a_busy_machine() {
        let outcome = report(&figures(2, 0)).on_busy_machine("load 5.0");
        assert!(outcome.claims.iter().all(|c| c.verdict == Verdict::Holds));
    }
}
