//! The experiments' `measure` functions, run at their default sizes once each: what they count
//! and how they are shaped, never how long anything took (the machine may be busy). Each runs on
//! a helper thread with a timeout, so that a deadlock fails the test instead of hanging it.

use std::time::Duration;

use gil_sim::experiments::{
    GilSettings, Settings, convoy, cpu_bound, interpreters, interval_sweep, io_bound, legacy,
    native, race, stampede,
};
use gil_sim::model::{self, ModelConfig};
use lesson_kit::finish_within;

/// Default sizes, one run of each variant, the model's fixed costs.
fn once() -> Settings {
    Settings {
        repeat: 1,
        ..Settings::new(GilSettings::fixed())
    }
}

fn within_timeout<T: Send + 'static>(what: &str, job: impl FnOnce() -> T + Send + 'static) -> T {
    finish_within(what, Duration::from_secs(60), job)
}

#[test]
fn cpu_bound_runs_every_variant_and_traces_four_threads() {
    let figures = within_timeout("cpu-bound", || cpu_bound::measure(&once()))
        .expect("cpu-bound needs nothing that can fail");
    for timing in [&figures.sequential, &figures.gil, &figures.no_gil] {
        assert_eq!(timing.wall.len(), 1);
    }
    let lanes = figures.trace.lanes();
    assert_eq!(lanes.len(), cpu_bound::TASKS, "{lanes:?}");
    assert!(figures.model.gil_s >= figures.model.sequential_s);
    assert!(figures.model.no_gil_s < figures.model.gil_s);
}

#[test]
fn io_bound_threads_overlap_only_with_the_gil_released() {
    let settings = Settings {
        repeat: 2,
        ..once()
    };
    let figures = within_timeout("io-bound", move || io_bound::measure(&settings))
        .expect("the local server starts");
    assert!(figures.failures.is_empty(), "{:?}", figures.failures);
    let downloads = figures.downloads as u64;
    assert_eq!(figures.peaks.released, [downloads, downloads]);
    assert_eq!(
        figures.peaks.kept,
        [1, 1],
        "a thread that keeps the GIL blocks the others"
    );
    assert_eq!(figures.peaks.sequential, [1, 1]);
}

#[test]
fn convoy_times_a_wait_after_every_call() {
    let settings = once();
    let requests = convoy::requests(&settings);
    let figures =
        within_timeout("convoy", move || convoy::measure(&settings)).expect("the server starts");
    assert!(figures.failures.is_empty(), "{:?}", figures.failures);
    assert_eq!(figures.intervals.len(), convoy::INTERVALS.len());
    for interval in &figures.intervals {
        for case in [&interval.alone, &interval.with_cpu] {
            assert_eq!(case.all_recv_waits().len(), requests);
            assert_eq!(case.send_waits.len(), requests);
            assert_eq!(case.recv_calls.len(), requests);
        }
    }
}

#[test]
fn the_convoy_model_column_is_what_the_exercise_checks() {
    // gil-sim-2 checks `convoy_latency` on the default model: the table shows the same function.
    let figures = within_timeout("convoy", || convoy::measure(&once())).expect("server starts");
    let at_1ms = &figures.intervals[1];
    assert_eq!(at_1ms.interval_s, 0.001);
    let checked = model::convoy_latency(
        &ModelConfig::default().with_switch_interval(Duration::from_millis(1)),
        1,
    );
    assert_eq!(at_1ms.fixed_model_wait_s, checked.as_secs_f64());
    // The wait is the interval plus a hand-over: 1 ms itself is just over a 1 ms bound.
    assert!(at_1ms.fixed_model_wait_s > 0.001);
}

#[test]
fn the_sweep_runs_every_case_in_order() {
    let figures = within_timeout("interval-sweep", || interval_sweep::measure(&once()))
        .expect("the sweep needs nothing that can fail");
    let cases: Vec<(usize, f64)> = figures
        .runs
        .iter()
        .map(|r| (r.threads, r.interval_s))
        .collect();
    let expected: Vec<(usize, f64)> = interval_sweep::CASES
        .iter()
        .map(|&(t, i)| (t, i.as_secs_f64()))
        .collect();
    assert_eq!(cases, expected);
    assert_eq!(
        figures.runs[0].switches.values,
        [0.0],
        "one thread never switches"
    );
}

#[test]
fn a_stampede_hands_the_gil_to_every_thread() {
    let figures =
        within_timeout("stampede", || stampede::measure(&once())).expect("1,000 threads start");
    assert_eq!(figures.threads, 1_000);
    // Each of the 1,000 threads takes the GIL at least once: 999 hand-overs at the least.
    assert!(figures.gil_switches.values.iter().all(|&s| s >= 999.0));
    assert_eq!(figures.rust.wall.len(), 1);
}

#[test]
fn native_filters_every_image_each_way() {
    let figures = within_timeout("native", || native::measure(&once()))
        .expect("native needs nothing that can fail");
    assert_eq!(figures.trace.lanes().len(), native::IMAGES);
    assert!(figures.model.released_s < figures.model.kept_s);
}

#[test]
fn legacy_counts_hand_overs_under_both_locks() {
    let figures = within_timeout("legacy", || legacy::measure(&once()))
        .expect("legacy needs nothing that can fail");
    assert_eq!(figures.trace.lanes().len(), legacy::THREADS);
    assert_eq!(figures.legacy_switches.len(), 1);
    assert_eq!(figures.new_switches.len(), 1);
}

#[test]
fn the_gil_loses_no_count_and_the_lock_loses_none_without_it() {
    let figures = within_timeout("race", || race::measure(&once())).expect("race cannot fail");
    let expected = figures.expected();
    assert_eq!(expected, 4 * race::increments(&once()));
    // Counts, not times: the GIL never splits a `+= 1`, whatever the machine's load; the lock
    // never loses one. (Whether the no-GIL run loses any depends on timing: not asserted.)
    assert_eq!(figures.gil.counts, [expected]);
    assert_eq!(figures.no_gil_locked.counts, [expected]);
    assert!(figures.no_gil.counts[0] <= expected);
}

#[test]
fn interpreters_copy_what_they_send() {
    let settings = once();
    let items = interpreters::payload_items(&settings);
    let figures = within_timeout("interpreters", move || interpreters::measure(&settings))
        .expect("interpreters needs nothing that can fail");
    assert_eq!(figures.payload_items, items);
    assert!(
        figures.payload_bytes as usize > items,
        "every number is copied"
    );
    assert!(figures.model.own_interpreters_s < figures.model.one_interpreter_s);
}

#[test]
fn a_refused_connection_fails_the_convoy_run_and_stops_its_cpu_thread() {
    // Nothing listens on port 1: the run must end with an error, not wait for its CPU thread.
    let result = within_timeout("refused convoy", || {
        convoy::convoy_run("http://127.0.0.1:1/delay/1", Duration::from_millis(1), 1, 5)
    });
    let error = result.err().expect("the connection is refused");
    assert!(error.to_string().contains("127.0.0.1:1"), "{error}");
}
