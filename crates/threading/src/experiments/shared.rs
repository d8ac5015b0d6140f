//! Experiment `shared`: one counter, four threads, three ways to add one.
//!
//! Python twin: `python/shared.py` (run by `compare`). Example files: `05_counter_race.rs`,
//! `06_counter_fetch_add.rs`, `07_counter_mutex.rs`.

use lesson_kit::report::{format_seconds, group_thousands};
use lesson_kit::{
    Claim, Figure, Measurement, Outcome, Run, Samples, Source, Timing, Unit, Verdict, alternate,
    stopwatch,
};
use serde::Serialize;

use super::{LessonError, Settings};
use crate::counter::{self, Count};

/// Threads that increment the counter at once.
pub const THREADS: usize = 4;

/// One way of counting, run `--repeat` times.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Counted {
    /// What the counter said at the end of each run.
    pub counts: Vec<Count>,
    pub timing: Timing,
}

impl Counted {
    /// Updates lost in each run.
    pub fn lost(&self) -> Samples {
        Samples::new(Unit::Count, self.counts.iter().map(|c| c.lost() as f64))
    }

    fn expected(&self) -> u64 {
        self.counts.first().map_or(0, |c| c.expected)
    }
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub threads: usize,
    /// Increments each thread makes.
    pub increments: u64,
    /// `let seen = load(); store(seen + 1)`: two atomic steps, with a gap between them.
    pub load_then_store: Counted,
    /// One indivisible read-add-write.
    pub fetch_add: Counted,
    /// `with lock: counter += 1`.
    pub mutex: Counted,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let increments: u64 = settings.size(1_000_000, 10_000_000);
    let [racy, atomic, locked] = alternate(
        settings.repeat,
        [
            &mut || stopwatch(|| counter::load_then_store(THREADS, increments)),
            &mut || stopwatch(|| counter::fetch_add(THREADS, increments)),
            &mut || stopwatch(|| counter::with_mutex(THREADS, increments)),
        ],
    );
    Ok(Figures {
        threads: THREADS,
        increments,
        load_then_store: counted(&racy),
        fetch_add: counted(&atomic),
        mutex: counted(&locked),
    })
}

fn counted(runs: &[(Count, Measurement)]) -> Counted {
    let measurements: Vec<Measurement> = runs.iter().map(|(_, m)| *m).collect();
    Counted {
        counts: runs.iter().map(|(c, _)| *c).collect(),
        timing: Timing::of(&measurements),
    }
}

pub fn report(figures: &Figures) -> Outcome {
    let racy = figures.load_then_store.lost();
    let expected = figures.fetch_add.expected();
    let outcome = Outcome::new("shared", "Shared memory: one counter, many threads")
        .intro(format!(
            "{} threads each add one to the same counter {} times. Threads share their \
             process's memory, so they all see one counter.",
            figures.threads,
            group_thousands(figures.increments)
        ))
        .intro(
            "Python's `counter += 1` is a read, an add and a write. Rust will not compile that \
             on a plain integer shared by threads, but it compiles the same mistake written as \
             an atomic load followed by a store.",
        )
        .run(row("load then store", &figures.load_then_store))
        .run(row("fetch_add", &figures.fetch_add))
        .run(row("Mutex", &figures.mutex))
        .finding(race_finding(&racy, expected))
        .finding(format!(
            "fetch_add ({}) and a Mutex ({}) lost nothing: each makes read, add and write one \
             step that no other thread can split. The Mutex pays a lock and an unlock per \
             increment.",
            format_seconds(figures.fetch_add.timing.wall_s()),
            format_seconds(figures.mutex.timing.wall_s())
        ));
    safe_counters_lost(figures)
        .into_iter()
        .fold(outcome, Outcome::problem)
        .claim(shared_memory_claim(figures))
        .claim(race_claim(&racy, expected))
}

fn race_finding(racy: &Samples, expected: u64) -> String {
    if racy.max() > 0.0 {
        format!(
            "Load then store lost {racy} of {} increments: two threads read the same value, \
             both wrote value + 1, and one increment was gone.",
            group_thousands(expected)
        )
    } else {
        "Load then store lost no increment in these runs: the race depends on timing. Run it \
         again, or with more threads than cores."
            .to_string()
    }
}

/// fetch_add and the Mutex must never lose an increment: one that did is a problem.
fn safe_counters_lost(figures: &Figures) -> Vec<String> {
    [("fetch_add", &figures.fetch_add), ("Mutex", &figures.mutex)]
        .into_iter()
        .filter(|(_, counted)| counted.lost().max() > 0.0)
        .map(|(label, counted)| {
            format!(
                "{label} lost {} increments, which it must never do",
                counted.lost()
            )
        })
        .collect()
}

/// Shared memory, counted: fetch_add reached the full count in every run.
fn shared_memory_claim(figures: &Figures) -> Claim {
    let shared = figures.fetch_add.lost().max() == 0.0 && !figures.fetch_add.counts.is_empty();
    Claim::new(
        "Threads of one process share the same memory.",
        Source::ARTICLE,
    )
    .measured(format!(
        "{} threads updated one counter: fetch_add reached {} in every run.",
        figures.threads,
        group_thousands(figures.fetch_add.expected())
    ))
    .verdict(if shared {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    })
}

/// The race is about a count, not a time: a busy machine does not change a lost update. But no
/// loss in a few runs proves nothing either way: the race needs two threads in the gap at once.
fn race_claim(lost: &Samples, expected: u64) -> Claim {
    let claim = Claim::new(
        "Safe Rust prevents data races, not race conditions: an atomic load followed by a store \
         compiles, and loses updates.",
        Source::link(
            "the Rustonomicon, Data Races and Race Conditions",
            "https://doc.rust-lang.org/nomicon/races.html",
        ),
    )
    .measured(format!(
        "Load then store lost {lost} of {} increments per run.",
        group_thousands(expected)
    ));
    if lost.max() > 0.0 {
        claim.verdict(Verdict::Holds)
    } else {
        claim.unclear("no update was lost in these runs; the race depends on timing")
    }
}

fn row(label: &str, counted: &Counted) -> Run {
    let counts = |f: fn(&Count) -> u64| {
        Figure::Spread(Samples::new(
            Unit::Count,
            counted.counts.iter().map(|c| f(c) as f64),
        ))
    };
    Run::timed(label, &counted.timing)
        .figure("counted", counts(|c| c.counted))
        .figure("expected", Figure::Count(counted.expected()))
        .figure("lost", counts(Count::lost))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(counted: &[u64]) -> Counted {
        Counted {
            counts: counted
                .iter()
                .map(|&c| Count {
                    expected: 4_000_000,
                    counted: c,
                })
                .collect(),
            timing: Timing::wall_seconds(counted.iter().map(|_| 0.05)),
        }
    }

    fn figures(racy: &[u64]) -> Figures {
        Figures {
            threads: 4,
            increments: 1_000_000,
            load_then_store: counted(racy),
            fetch_add: counted(&[4_000_000, 4_000_000]),
            mutex: counted(&[4_000_000, 4_000_000]),
        }
    }

    #[test]
    fn lost_updates_hold_the_race_claim_and_shared_memory_holds() {
        let outcome = report(&figures(&[2_100_000, 1_900_000]));
        let verdicts: Vec<_> = outcome.claims.iter().map(|c| c.verdict).collect();
        assert_eq!(verdicts, [Verdict::Holds, Verdict::Holds]);
        let lost = outcome
            .find_run("load then store")
            .and_then(|r| r.get("lost"));
        assert_eq!(lost.and_then(Figure::as_f64), Some(2_000_000.0));
        assert!(outcome.problems.is_empty());
    }

    #[test]
    fn no_loss_in_these_runs_is_unclear_not_a_refutation() {
        let outcome = report(&figures(&[4_000_000, 4_000_000]));
        assert_eq!(outcome.claims[1].verdict, Verdict::Unclear);
        assert!(outcome.claims[1].reason.is_some());
    }

    #[test]
    fn a_lossy_fetch_add_is_a_problem_and_shared_memory_does_not_hold() {
        let mut figures = figures(&[2_000_000]);
        figures.fetch_add = counted(&[3_999_999]);
        let outcome = report(&figures);
        assert_eq!(outcome.problems.len(), 1);
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_busy_machine_does_not_change_a_count() {
        let outcome = report(&figures(&[2_000_000])).on_busy_machine("load 4.0 on 2 cores");
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
        assert_eq!(outcome.claims[1].verdict, Verdict::Holds);
        assert!(outcome.busy.is_some());
    }
}
