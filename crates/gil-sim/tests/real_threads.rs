//! The real lock, on real threads: results are right and nothing deadlocks, in every mode.
//! No test here looks at a clock: each runs its work on a helper thread and waits for the answer
//! with a timeout, so a deadlock fails the test instead of hanging it.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::thread;
use std::time::Duration;

use gil_sim::gil::{DropReason, Gil};
use gil_sim::legacy::{self, LegacyGil};
use gil_sim::{Interpreter, Mode, Python, sys, work};
use lesson_kit::{DelayServer, State, Trace, finish_within};

/// Runs `job` on its own thread and fails the test if it has not finished within 20 s.
fn within_timeout<T: Send + 'static>(what: &str, job: impl FnOnce() -> T + Send + 'static) -> T {
    finish_within(what, Duration::from_secs(20), job)
}

/// `threads` threads each run `countdown(n)` attached to one interpreter; returns their results
/// and the number of switches.
fn countdowns(mode: Mode, threads: usize, n: u64, interval: Duration) -> (Vec<u64>, u64) {
    let interp = Interpreter::new(mode);
    sys::setswitchinterval(&interp, interval);
    let results = thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let interp = &interp;
                scope.spawn(move || {
                    Python::attach(interp, &format!("thread {i}"), |py| work::countdown(py, n))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a countdown thread panicked"))
            .collect()
    });
    (results, interp.switches())
}

#[test]
fn countdown_computes_the_same_result_under_every_mode() {
    let expected = work::countdown_native(50_000);
    for mode in Mode::ALL {
        let (results, _) = within_timeout("countdowns", move || {
            countdowns(mode, 3, 50_000, Duration::from_micros(100))
        });
        assert_eq!(results, vec![expected; 3], "{mode}");
    }
}

#[test]
fn a_lone_thread_never_switches() {
    let (_, switches) = within_timeout("one thread", || {
        countdowns(Mode::Cpython312, 1, 200_000, Duration::from_micros(10))
    });
    assert_eq!(switches, 0);
}

#[test]
fn free_threaded_and_per_interpreter_count_no_switches() {
    for mode in [Mode::FreeThreaded, Mode::PerInterpreter] {
        let (_, switches) = within_timeout("no shared GIL", move || {
            countdowns(mode, 2, 100_000, Duration::from_micros(10))
        });
        assert_eq!(switches, 0, "{mode}");
    }
}

#[test]
fn two_threads_at_a_tiny_interval_hand_the_gil_over_and_finish() {
    // Long enough (tens of ms) that the second thread must time out at a 10 µs interval.
    let (results, switches) = within_timeout("two threads", || {
        countdowns(Mode::Cpython312, 2, 2_000_000, Duration::from_micros(10))
    });
    assert_eq!(results.len(), 2);
    assert!(switches >= 1, "the GIL never changed hands");
}

#[test]
fn the_legacy_lock_finishes_too() {
    let (results, _) = within_timeout("legacy", || {
        countdowns(Mode::Legacy, 2, 100_000, Duration::from_millis(5))
    });
    assert_eq!(results, vec![work::countdown_native(100_000); 2]);
}

#[test]
fn detached_requests_overlap_and_the_trace_shows_io_waits() {
    let (peak, states) = within_timeout("detached requests", || {
        let server = DelayServer::start().expect("the local server starts");
        let trace = Trace::new();
        let interp = Interpreter::new(Mode::Cpython312).with_trace(trace.clone());
        let url = server.delay_url(Duration::from_millis(100));
        thread::scope(|scope| {
            for i in 0..3 {
                let (interp, url) = (&interp, &url);
                scope.spawn(move || {
                    Python::attach(interp, &format!("thread {i}"), |py| {
                        py.detach(|| blocking_get(url))
                    })
                });
            }
        });
        let states: Vec<State> = trace.snapshot().spans.iter().map(|s| s.state).collect();
        (server.peak_in_flight(), states)
    });
    assert_eq!(peak, 3, "the three requests did not overlap");
    assert!(states.contains(&State::WaitingForIo));
    assert!(states.contains(&State::Running));
}

#[test]
fn a_panic_inside_attach_releases_the_gil() {
    let finished = within_timeout("panic then attach", || {
        let interp = Interpreter::new(Mode::Cpython312);
        let panicked = thread::scope(|scope| {
            scope
                .spawn(|| Python::attach(&interp, "doomed", |_py| panic!("boom")))
                .join()
                .is_err()
        });
        // If the GIL were still held, this would wait forever.
        let after = Python::attach(&interp, "survivor", |py| work::countdown(py, 10));
        panicked && after == work::countdown_native(10)
    });
    assert!(finished);
}

#[test]
fn attach_is_re_entrant_and_a_nested_attach_keeps_the_gil() {
    let (results, lanes) = within_timeout("nested attach", || {
        let trace = Trace::new();
        let interp = Interpreter::new(Mode::Cpython312).with_trace(trace.clone());
        sys::setswitchinterval(&interp, Duration::from_micros(100));
        let results = thread::scope(|scope| {
            // Another thread wants the GIL all along: if the inner `attach` released it on
            // return, the outer one would go on computing without it (and `check` would panic).
            let other =
                scope.spawn(|| Python::attach(&interp, "other", |py| work::countdown(py, 200_000)));
            let nested = Python::attach(&interp, "outer", |py| {
                let (innermost, inner) = Python::attach(&interp, "inner", |py| {
                    let innermost =
                        Python::attach(&interp, "innermost", |py| work::countdown(py, 50_000));
                    (innermost, work::countdown(py, 50_000))
                });
                [innermost, inner, work::countdown(py, 50_000)]
            });
            (nested, other.join().expect("the other thread panicked"))
        });
        let mut lanes = trace.lanes();
        lanes.sort();
        (results, lanes)
    });
    let expected = work::countdown_native(50_000);
    assert_eq!(results, ([expected; 3], work::countdown_native(200_000)));
    // One thread state per thread: the nested calls recorded on the outer call's lane.
    assert_eq!(lanes, vec!["other".to_string(), "outer".to_string()]);
}

#[test]
fn attaching_inside_detach_takes_the_gil_and_gives_it_back() {
    let values = within_timeout("attach inside detach", || {
        let interp = Interpreter::new(Mode::Cpython312);
        Python::attach(&interp, "outer", |py| {
            let inner =
                py.detach(|| Python::attach(&interp, "inner", |py| work::countdown(py, 10)));
            // Back from `detach`: the outer call holds the GIL again and can run Python.
            (inner, work::countdown(py, 10))
        })
    });
    let expected = work::countdown_native(10);
    assert_eq!(values, (expected, expected));
}

#[test]
fn dropping_a_gil_this_thread_does_not_hold_panics_with_the_reason() {
    let gil = Gil::new();
    let nobody = catch_unwind(AssertUnwindSafe(|| gil.drop(1, DropReason::Final)));
    assert!(
        panic_message(nobody)
            .contains("thread 1 released a GIL it does not hold (nobody holds it)")
    );
    gil.take(1, Duration::from_millis(5));
    let someone_else = catch_unwind(AssertUnwindSafe(|| gil.drop(2, DropReason::Final)));
    assert!(panic_message(someone_else).contains("(thread 1 holds it)"));
    // The holder can still let go.
    gil.drop(1, DropReason::Final);
    assert!(!gil.is_held_by(1));
}

#[test]
fn a_trace_never_shows_two_threads_running_at_once() {
    for mode in [Mode::Legacy, Mode::Cpython312] {
        let data = within_timeout("trace", move || {
            let trace = Trace::new();
            let interp = Interpreter::new(mode).with_trace(trace.clone());
            sys::setswitchinterval(&interp, Duration::from_micros(50));
            thread::scope(|scope| {
                for name in ["thread 1", "thread 2"] {
                    let interp = &interp;
                    scope.spawn(move || {
                        Python::attach(interp, name, |py| {
                            let sum = work::countdown(py, 150_000);
                            // A native call in the middle: a release of another kind.
                            let hash = py.detach(|| work::native_hash(b"abc", 1_000));
                            sum ^ hash ^ work::countdown(py, 150_000)
                        })
                    });
                }
            });
            trace.snapshot()
        });
        let running = |lane: &str| -> Vec<_> {
            data.spans
                .iter()
                .filter(|s| s.lane == lane && s.state == State::Running)
                .cloned()
                .collect()
        };
        let (first, second) = (running("thread 1"), running("thread 2"));
        assert!(!first.is_empty() && !second.is_empty(), "{mode}");
        for a in &first {
            for b in &second {
                assert!(
                    a.end_s <= b.start_s || b.end_s <= a.start_s,
                    "{mode}: both running at once: {a:?} and {b:?}"
                );
            }
        }
    }
}

#[test]
fn the_legacy_ticker_runs_out_every_101_ticks() {
    let gil = LegacyGil::new();
    // 303 iterations of 3 ticks: 909 ticks, 9 periods of 101.
    let releases = (0..303)
        .filter(|_| gil.tick(legacy::TICKS_PER_ITERATION))
        .count();
    assert_eq!(releases, 9);
    // The first comes on the 34th iteration: the 101st tick is in it.
    let fresh = LegacyGil::new();
    let first = (1..=100).find(|_| fresh.tick(3));
    assert_eq!(first, Some(34));
}

#[test]
fn an_interpreter_can_be_shared_between_threads() {
    fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<Interpreter>();
}

#[test]
fn native_hash_is_deterministic_and_depends_on_the_data() {
    assert_eq!(work::native_hash(b"abc", 3), work::native_hash(b"abc", 3));
    assert_ne!(work::native_hash(b"abc", 3), work::native_hash(b"abd", 3));
    assert_ne!(work::native_hash(b"abc", 3), work::native_hash(b"abc", 4));
}

/// The text of a caught panic.
fn panic_message(result: std::thread::Result<impl Sized>) -> String {
    let payload = result.err().expect("it should have panicked");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// A minimal HTTP GET over std's `TcpStream`: the body of the answer.
fn blocking_get(url: &str) -> String {
    gil_sim::http::get(url).expect("the local server answers")
}
