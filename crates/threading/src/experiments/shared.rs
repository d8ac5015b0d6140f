//! Experiment `shared`: one counter, many threads, three ways to add one.
//!
//! Example file: `shared_counter.rs`.

use lesson_kit::{Claim, Experiment, Figure, Run, Verdict, measure};

use super::{Outcome, Settings, seconds};
use crate::counter::{self, Count};

/// Threads that increment the counter at once.
pub const THREADS: usize = 4;

pub fn run(settings: &Settings) -> Outcome {
    let increments: u64 = settings.size(1_000_000, 10_000_000);
    let (racy, racy_time) = measure(|| counter::load_then_store(THREADS, increments));
    let (atomic, atomic_time) = measure(|| counter::fetch_add(THREADS, increments));
    let (locked, locked_time) = measure(|| counter::with_mutex(THREADS, increments));

    let row = |label: &str, count: Count, time| {
        Run::measured(label, time)
            .figure("counted", Figure::Count(count.counted))
            .figure("expected", Figure::Count(count.expected))
            .figure("lost", Figure::Count(count.lost()))
    };
    let lost_percent = 100.0 * racy.lost() as f64 / racy.expected.max(1) as f64;
    let race_finding = if racy.lost() > 0 {
        format!(
            "load then store: {} of {} increments vanished ({lost_percent:.1} %). Two threads \
             read the same value, both wrote value + 1, and one increment was gone.",
            lesson_kit::report::group_thousands(racy.lost()),
            lesson_kit::report::group_thousands(racy.expected),
        )
    } else {
        "load then store: this time no increment was lost. The race depends on timing: run it \
         again, or with more threads than cores."
            .to_string()
    };

    let mut problems = Vec::new();
    for (label, count) in [("fetch_add", atomic), ("Mutex", locked)] {
        if count.lost() > 0 {
            problems.push(format!(
                "{label} lost {} increments, which it must never do",
                count.lost()
            ));
        }
    }

    Outcome {
        experiment: Experiment::new("shared", "Shared memory: one counter, many threads")
            .intro(format!(
                "{THREADS} threads each add one to the same counter {} times. Threads share \
                 their process's memory, so they all see one counter.",
                lesson_kit::report::group_thousands(increments)
            ))
            .intro(
                "Python's `counter += 1` is a read, an add and a write. Rust will not compile \
                 that on a plain integer shared by threads, but it compiles the same mistake \
                 written as an atomic load followed by a store.",
            )
            .run(row("load then store", racy, &racy_time))
            .run(row("fetch_add", atomic, &atomic_time))
            .run(row("Mutex", locked, &locked_time))
            .finding(race_finding)
            .finding(format!(
                "fetch_add ({}) and a Mutex ({}) lost nothing: each makes read-add-write one \
                 step that no other thread can split.",
                seconds(atomic_time.wall.as_secs_f64()),
                seconds(locked_time.wall.as_secs_f64())
            ))
            .claim(Claim::new(
                "Threads of one process share the same memory.",
                format!(
                    "{THREADS} threads updated one counter: fetch_add reached {} of {}.",
                    lesson_kit::report::group_thousands(atomic.counted),
                    lesson_kit::report::group_thousands(atomic.expected)
                ),
                if atomic.lost() == 0 {
                    Verdict::Holds
                } else {
                    Verdict::DoesNotHold
                },
            )),
        problems,
    }
}
