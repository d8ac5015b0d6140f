//! The checks of threading-3, shared by `exercises` and `solutions`.

use std::sync::Barrier;
use std::thread;

use crate::harness::Check;
use crate::target::threading_3::{SharedCounter, count_with_threads};

pub const CHECKS: &[Check] = &[
    Check {
        name: "no_update_is_lost_when_eight_threads_race",
        run: no_update_is_lost_when_eight_threads_race,
    },
    Check {
        name: "count_with_threads_counts_every_increment",
        run: count_with_threads_counts_every_increment,
    },
];

fn no_update_is_lost_when_eight_threads_race() {
    const THREADS: usize = 8;
    const EACH: u64 = 50_000;
    let counter = SharedCounter::new();
    // All threads start incrementing at the same moment, to give a race every chance.
    let start = Barrier::new(THREADS);
    thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                start.wait();
                for _ in 0..EACH {
                    counter.increment();
                }
            });
        }
    });
    let expected = THREADS as u64 * EACH;
    let lost = expected.saturating_sub(counter.get());
    assert_eq!(
        counter.get(),
        expected,
        "{lost} of {expected} increments were lost"
    );
}

fn count_with_threads_counts_every_increment() {
    assert_eq!(
        count_with_threads(4, 10_000),
        40_000,
        "4 threads × 10,000 increments"
    );
    assert_eq!(count_with_threads(1, 5), 5, "1 thread × 5 increments");
    assert_eq!(count_with_threads(0, 5), 0, "no threads, no increments");
}
