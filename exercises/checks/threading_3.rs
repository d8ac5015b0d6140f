//! The checks of threading-3, shared by `exercises` and `solutions`.

use std::sync::Barrier;
use std::thread;

use crate::harness::run_check;
use crate::target::threading_3::{SharedCounter, count_with_threads};

// The hint is printed when a check fails, and shown in the book under the exercise.
const HINT: &str = include_str!("../hints/threading_3.md");

#[test]
fn no_update_is_lost_when_eight_threads_race() {
    run_check("threading-3", HINT, || {
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
    });
}

#[test]
fn count_with_threads_counts_every_increment() {
    run_check("threading-3", HINT, || {
        assert_eq!(count_with_threads(4, 10_000), 40_000);
        assert_eq!(count_with_threads(1, 5), 5);
        assert_eq!(count_with_threads(0, 5), 0, "no threads, no increments");
    });
}
