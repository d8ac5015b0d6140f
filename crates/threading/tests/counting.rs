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

fn values(computed: compute::Computed) -> Vec<u64> {
    computed
        .results
        .into_iter()
        .map(|r| r.expect("no panic"))
        .collect()
}

#[test]
fn every_kind_of_thread_computes_what_one_thread_does() {
    let n = 20_000;
    let tasks = compute::TASKS;
    let trace = Trace::new();
    let expected = values(compute::in_turn(tasks, n, &trace));
    assert_eq!(expected.len(), tasks);
    assert_eq!(values(compute::on_rust_threads(tasks, n, &trace)), expected);
    for mode in [Mode::Cpython312, Mode::FreeThreaded] {
        let one = compute::python_in_turn(mode, "one", tasks, n, &trace);
        assert_eq!(values(one), expected, "{mode}: one thread");
        let many = compute::python_threads(mode, "many", tasks, n, &trace);
        assert_eq!(values(many), expected, "{mode}: threads");
    }
    // One lane for the loop, then one per Rust thread, in thread order.
    let lanes = trace.lanes();
    assert_eq!(
        &lanes[..5],
        [
            "one Rust thread",
            "Rust thread 1",
            "Rust thread 2",
            "Rust thread 3",
            "Rust thread 4"
        ]
    );
}

#[test]
fn one_python_thread_never_switches_the_gil_and_free_threads_have_none() {
    let one = compute::python_in_turn(Mode::Cpython312, "one", 2, 10_000, &Trace::new());
    assert_eq!(one.switches, 0, "a lone thread never drops the GIL");
    let free = compute::python_threads(Mode::FreeThreaded, "free", 2, 10_000, &Trace::new());
    assert_eq!(free.switches, 0);
}
