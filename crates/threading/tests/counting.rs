//! The shared counter and the CPU-bound work: results, not timings.

use gil_sim::Mode;
use lesson_kit::Trace;
use threading::{compute, counter};

#[test]
fn fetch_add_and_a_mutex_lose_no_update() {
    let atomic = counter::fetch_add(4, 50_000);
    let locked = counter::with_mutex(4, 50_000);
    assert_eq!(
        (atomic.counted, atomic.expected, atomic.lost()),
        (200_000, 200_000, 0)
    );
    assert_eq!((locked.counted, locked.lost()), (200_000, 0));
}

#[test]
fn load_then_store_never_counts_more_than_expected_and_reports_what_it_lost() {
    // Whether updates are lost depends on timing, so the test checks only what is always true.
    let racy = counter::load_then_store(4, 50_000);
    assert_eq!(racy.expected, 200_000);
    assert!(racy.counted <= racy.expected);
    assert_eq!(racy.lost(), racy.expected - racy.counted);
}

#[test]
fn rust_threads_and_gil_threads_compute_what_one_thread_does() {
    let n = 20_000;
    let expected = compute::sequential(compute::TASKS, n);
    let trace = Trace::new();
    let on_threads: Vec<u64> = compute::on_rust_threads(compute::TASKS, n, &trace)
        .into_iter()
        .map(|r| r.expect("no panic"))
        .collect();
    assert_eq!(on_threads, expected);
    for mode in [Mode::Cpython312, Mode::FreeThreaded] {
        let run = compute::under_gil(mode, "test", compute::TASKS, n, &trace);
        let values: Vec<u64> = run
            .results
            .into_iter()
            .map(|r| r.expect("no panic"))
            .collect();
        assert_eq!(values, expected, "{mode}");
    }
    // One lane per thread of each run, in thread order.
    let lanes = trace.lanes();
    assert_eq!(
        &lanes[..4],
        [
            "Rust thread 1",
            "Rust thread 2",
            "Rust thread 3",
            "Rust thread 4"
        ]
    );
}

#[test]
fn free_threaded_mode_never_switches_a_gil() {
    let run = compute::under_gil(Mode::FreeThreaded, "free", 2, 10_000, &Trace::new());
    assert_eq!(run.switches, 0);
}
