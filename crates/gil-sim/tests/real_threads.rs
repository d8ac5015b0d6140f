//! The real lock, on real threads: results are right and nothing deadlocks, in every mode.
//! No test here looks at a clock: each runs its work on a helper thread and waits for the answer
//! with a timeout, so a deadlock fails the test instead of hanging it.

use std::thread;
use std::time::Duration;

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
fn attaching_twice_on_one_thread_panics_instead_of_deadlocking() {
    let panicked = within_timeout("nested attach", || {
        let interp = Interpreter::new(Mode::Cpython312);
        let nested = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Python::attach(&interp, "outer", |_py| {
                Python::attach(&interp, "inner", |_py| ())
            })
        }));
        // Attaching inside `detach` is fine: the thread does not hold the GIL there.
        let inside_detach = Python::attach(&interp, "outer", |py| {
            py.detach(|| Python::attach(&interp, "inner", |_| 7))
        });
        nested.is_err() && inside_detach == 7
    });
    assert!(panicked);
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

/// A minimal HTTP GET over std's `TcpStream`: the body of the answer.
fn blocking_get(url: &str) -> String {
    gil_sim::experiments::http::get(url).expect("the local server answers")
}
