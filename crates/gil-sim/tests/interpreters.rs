//! Several interpreters, a GIL each (PEP 684), and data that crosses between them by copy
//! (`concurrent.interpreters`, `InterpreterPoolExecutor`). Each test that could hang runs under a
//! timeout; none looks at a clock.

use std::collections::HashMap;
use std::sync::Barrier;
use std::thread;
use std::time::Duration;

use gil_sim::interpreters::{self, InterpreterError, InterpreterPoolExecutor};
use gil_sim::{Python, work};
use lesson_kit::{State, Trace, finish_within};
use serde::{Deserialize, Serialize};

fn within_timeout<T: Send + 'static>(what: &str, job: impl FnOnce() -> T + Send + 'static) -> T {
    finish_within(what, Duration::from_secs(20), job)
}

#[test]
fn two_interpreters_hold_their_gils_at_the_same_time() {
    // Each thread holds its own interpreter's GIL (no detach) and waits for the other at a
    // barrier. With one shared GIL the second could never arrive: the test would time out.
    let arrived = within_timeout("two GILs", || {
        let (first, second) = (interpreters::create(), interpreters::create());
        let barrier = Barrier::new(2);
        thread::scope(|scope| {
            for interp in [&first, &second] {
                let barrier = &barrier;
                scope.spawn(move || Python::attach(interp, "worker", |_py| barrier.wait()));
            }
        });
        true
    });
    assert!(arrived);
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u32,
    items: Vec<String>,
}

#[test]
fn a_queue_hands_over_a_copy_not_the_object() {
    let queue = interpreters::create_queue::<Order>();
    let mut order = Order {
        id: 7,
        items: vec!["tea".into()],
    };
    queue.put(&order).expect("an order serialises");
    // Changing the original after `put` changes nothing on the other side: it was copied.
    order.items.push("cake".into());
    let received = queue
        .get(Duration::from_secs(5))
        .expect("the order arrives");
    assert_eq!(received.items, vec!["tea".to_string()]);
    assert!(queue.bytes_copied() > 0);
}

#[test]
fn an_empty_queue_times_out_with_a_queue_empty_error() {
    let queue = interpreters::create_queue::<u32>();
    let error = queue.get(Duration::from_millis(1)).unwrap_err();
    assert!(matches!(error, InterpreterError::QueueEmpty(_)), "{error}");
}

#[test]
fn a_value_that_cannot_be_copied_is_not_shareable() {
    // JSON object keys are strings: a map keyed by pairs cannot be serialised.
    let queue = interpreters::create_queue::<HashMap<(u32, u32), u32>>();
    let grid = HashMap::from([((0, 0), 1)]);
    let error = queue.put(&grid).unwrap_err();
    assert!(
        matches!(error, InterpreterError::NotShareable(_)),
        "{error}"
    );
    assert_eq!(queue.bytes_copied(), 0);
}

#[test]
fn the_pool_maps_in_order_and_copies_every_argument_and_result() {
    let (results, copied, lanes) = within_timeout("interpreter pool", || {
        let trace = Trace::new();
        let pool = InterpreterPoolExecutor::new(3).with_trace(trace.clone());
        let sizes: Vec<u64> = (1..=6).map(|i| i * 1_000).collect();
        let results = pool
            .map(|py, n: u64| work::countdown(py, n), sizes)
            .expect("numbers cross between interpreters");
        let running_lanes = trace
            .snapshot()
            .spans
            .iter()
            .filter(|s| s.state == State::Running)
            .map(|s| s.lane.clone())
            .collect::<std::collections::BTreeSet<_>>();
        (results, pool.bytes_copied(), running_lanes)
    });
    let expected: Vec<u64> = (1..=6).map(|i| work::countdown_native(i * 1_000)).collect();
    assert_eq!(results, expected);
    // "1000" … "6000" went out (4 bytes each), and six u64 results came back.
    assert!(copied >= 6 * 4 + 6, "{copied} bytes");
    assert!(!lanes.is_empty() && lanes.iter().all(|l| l.starts_with("interpreter ")));
}

#[test]
fn a_pool_with_nothing_to_do_returns_nothing() {
    let pool = InterpreterPoolExecutor::new(2);
    let results: Vec<u64> = pool
        .map(|py, n: u64| work::countdown(py, n), Vec::new())
        .expect("no work, no error");
    assert!(results.is_empty());
    assert_eq!(pool.bytes_copied(), 0);
}
