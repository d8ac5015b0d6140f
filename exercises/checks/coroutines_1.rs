//! The checks of coroutines-1, shared by `exercises` and `solutions`. They run on a paused clock:
//! tokio's own scheduler with virtual time, so "took 300 ms" is exact and never timing luck.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::time::{Instant, sleep};

use crate::harness::Check;
use crate::target::coroutines_1::gather;

pub const CHECKS: &[Check] = &[
    Check {
        name: "results_keep_the_order_of_the_futures",
        run: results_keep_the_order_of_the_futures,
    },
    Check {
        name: "the_futures_run_at_once",
        run: the_futures_run_at_once,
    },
    Check {
        name: "each_failure_is_reported_in_its_place_and_the_rest_complete",
        run: each_failure_is_reported_in_its_place_and_the_rest_complete,
    },
    Check {
        name: "a_future_that_panics_becomes_an_err_in_its_place",
        run: a_future_that_panics_becomes_an_err_in_its_place,
    },
];

type Job = Pin<Box<dyn Future<Output = Result<u64, String>> + Send>>;

/// A future that waits `ms`, then returns `ms` or, if `fails`, an error naming it.
fn job(ms: u64, fails: bool) -> Job {
    Box::pin(async move {
        sleep(Duration::from_millis(ms)).await;
        if fails {
            Err(format!("job of {ms} ms failed"))
        } else {
            Ok(ms)
        }
    })
}

/// Runs `work` on a current-thread runtime whose clock is paused.
fn on_paused_clock<T>(work: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime")
        .block_on(work)
}

fn results_keep_the_order_of_the_futures() {
    let results = on_paused_clock(gather(vec![
        job(300, false),
        job(100, false),
        job(200, false),
    ]));
    assert_eq!(
        results,
        [Ok(300), Ok(100), Ok(200)],
        "results[i] belongs to futures[i], whatever order they finished in"
    );
}

fn the_futures_run_at_once() {
    let took = on_paused_clock(async {
        let started = Instant::now();
        gather(vec![job(100, false), job(200, false), job(300, false)]).await;
        started.elapsed()
    });
    assert_eq!(
        took,
        Duration::from_millis(300),
        "waits of 100, 200 and 300 ms took {took:?}: at once, they take the longest one, 300 ms"
    );
}

fn each_failure_is_reported_in_its_place_and_the_rest_complete() {
    let results = on_paused_clock(gather(vec![
        job(100, true),
        job(200, false),
        job(50, true),
        job(300, false),
    ]));
    assert_eq!(
        results,
        [
            Err("job of 100 ms failed".to_string()),
            Ok(200),
            Err("job of 50 ms failed".to_string()),
            Ok(300)
        ],
        "every outcome, failures included, in argument order"
    );
}

fn a_future_that_panics_becomes_an_err_in_its_place() {
    let panics: Job = Box::pin(async {
        sleep(Duration::from_millis(10)).await;
        panic!("a bug in one task")
    });
    let results = on_paused_clock(gather(vec![job(100, false), panics, job(20, false)]));
    assert_eq!(
        results,
        [Ok(100), Err("task 1 panicked".to_string()), Ok(20)],
        "a panic becomes `Err(\"task I panicked\")` in its place; the others complete"
    );
}
