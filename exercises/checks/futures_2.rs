//! The checks of futures-2, shared by `exercises` and `solutions`.
//!
//! Calls that must not finish yet wait on a channel the check holds, never on a clock.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use futures_api::{FutureError, ThreadPoolExecutor};

use crate::harness::Check;
use crate::target::futures_2::map_until_failure;

pub const CHECKS: &[Check] = &[
    Check {
        name: "all_results_in_order_when_nothing_fails",
        run: all_results_in_order_when_nothing_fails,
    },
    Check {
        name: "the_first_failure_in_order_is_the_error",
        run: the_first_failure_in_order_is_the_error,
    },
    Check {
        name: "calls_not_started_at_the_failure_are_cancelled",
        run: calls_not_started_at_the_failure_are_cancelled,
    },
];

type Call = Box<dyn FnOnce() -> Result<u64, String> + Send>;

fn all_results_in_order_when_nothing_fails() {
    let executor = ThreadPoolExecutor::new(3);
    let calls: Vec<Call> = (0..10u64)
        .map(|i| Box::new(move || Ok(i * i)) as Call)
        .collect();
    let results = map_until_failure(&executor, calls);
    assert_eq!(results, Ok((0..10u64).map(|i| i * i).collect::<Vec<_>>()));
}

fn the_first_failure_in_order_is_the_error() {
    let executor = ThreadPoolExecutor::new(2);
    // Call 1 fails only after call 2 has failed: the error must still be call 1's.
    let (second_failed, then) = mpsc::channel::<()>();
    let then = Mutex::new(then);
    let calls: Vec<Call> = vec![
        Box::new(|| Ok(0)),
        Box::new(move || {
            let _ = then.lock().map(|t| t.recv());
            Err("first in order".into())
        }),
        Box::new(move || {
            let _ = second_failed.send(());
            Err("first to fail".into())
        }),
    ];
    let result = map_until_failure(&executor, calls);
    assert_eq!(result, Err(FutureError::Failed("first in order".into())));
}

fn calls_not_started_at_the_failure_are_cancelled() {
    // One worker: after the failing call it starts at most one more, which waits until released.
    let executor = ThreadPoolExecutor::new(1);
    let started = Arc::new(AtomicUsize::new(0));
    let (release, held) = mpsc::channel::<()>();
    let held = Arc::new(Mutex::new(held));
    let mut calls: Vec<Call> = vec![Box::new(|| Err("bad input".into()))];
    for _ in 0..5 {
        let (started, held) = (started.clone(), held.clone());
        calls.push(Box::new(move || {
            started.fetch_add(1, Ordering::SeqCst);
            let _ = held.lock().map(|h| h.recv());
            Ok(1)
        }));
    }
    let result = map_until_failure(&executor, calls);
    drop(release);
    executor.shutdown(true, false);
    assert_eq!(result, Err(FutureError::Failed("bad input".into())));
    let ran = started.load(Ordering::SeqCst);
    assert!(
        ran <= 1,
        "{ran} of the 5 calls after the failure ran: those not started must be cancelled"
    );
}
