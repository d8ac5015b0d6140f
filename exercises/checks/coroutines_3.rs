//! The checks of coroutines-3, shared by `exercises` and `solutions`, on a paused clock: each
//! future counts itself in flight from its first poll to its end, and the peak is compared.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::{Instant, sleep};

use crate::harness::Check;
use crate::target::coroutines_3::gather_limited;

pub const CHECKS: &[Check] = &[
    Check {
        name: "never_more_than_limit_in_flight_and_as_many_as_allowed",
        run: never_more_than_limit_in_flight_and_as_many_as_allowed,
    },
    Check {
        name: "values_come_in_argument_order",
        run: values_come_in_argument_order,
    },
    Check {
        name: "the_futures_take_turns_in_batches_of_the_limit",
        run: the_futures_take_turns_in_batches_of_the_limit,
    },
];

/// Futures in flight now, and the most there ever were.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    peak: AtomicUsize,
}

type Job = Pin<Box<dyn Future<Output = usize> + Send>>;

/// `count` futures that each wait `ms` and return their index, counting themselves in flight.
fn jobs(count: usize, ms: u64, flight: &Arc<InFlight>) -> Vec<Job> {
    (0..count)
        .map(|index| {
            let flight = Arc::clone(flight);
            Box::pin(async move {
                let now = flight.now.fetch_add(1, Ordering::SeqCst) + 1;
                flight.peak.fetch_max(now, Ordering::SeqCst);
                // Later futures wait less, so that they would finish first if all ran at once.
                sleep(Duration::from_millis(ms + (count - index) as u64)).await;
                flight.now.fetch_sub(1, Ordering::SeqCst);
                index
            }) as Job
        })
        .collect()
}

fn on_paused_clock<T>(work: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime")
        .block_on(work)
}

fn never_more_than_limit_in_flight_and_as_many_as_allowed() {
    for (count, limit) in [(20, 3), (5, 1), (4, 10), (3, 0)] {
        let flight = Arc::new(InFlight::default());
        on_paused_clock(gather_limited(jobs(count, 100, &flight), limit));
        let peak = flight.peak.load(Ordering::SeqCst);
        let allowed = limit.max(1).min(count);
        assert_eq!(
            peak, allowed,
            "{count} futures with a limit of {limit}: at most {peak} were in flight at once, and \
             it should be exactly {allowed} (never more than the limit, a limit of 0 counting as \
             1, and as many at once as it allows)"
        );
    }
}

fn values_come_in_argument_order() {
    let flight = Arc::new(InFlight::default());
    let values = on_paused_clock(gather_limited(jobs(10, 100, &flight), 4));
    assert_eq!(
        values,
        (0..10).collect::<Vec<_>>(),
        "values[i] belongs to futures[i]"
    );
}

fn the_futures_take_turns_in_batches_of_the_limit() {
    let flight = Arc::new(InFlight::default());
    let took = on_paused_clock(async {
        let started = Instant::now();
        gather_limited(jobs(9, 100, &flight), 3).await;
        started.elapsed()
    });
    // Three batches of three waits of about 100 ms (each a few ms more, so that they differ).
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(330),
        "9 waits of about 100 ms, 3 at a time, took {took:?}: about 300 ms, three batches"
    );
}
