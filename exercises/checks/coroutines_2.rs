//! The checks of coroutines-2, shared by `exercises` and `solutions`, on a paused clock: they
//! count which tasks finished, and times are exact.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::{Instant, sleep};

use crate::harness::Check;
use crate::target::coroutines_2::task_group;

pub const CHECKS: &[Check] = &[
    Check {
        name: "values_come_in_argument_order_when_all_succeed",
        run: values_come_in_argument_order_when_all_succeed,
    },
    Check {
        name: "the_first_failure_is_returned_as_soon_as_it_happens",
        run: the_first_failure_is_returned_as_soon_as_it_happens,
    },
    Check {
        name: "the_other_tasks_are_cancelled_by_the_first_failure",
        run: the_other_tasks_are_cancelled_by_the_first_failure,
    },
];

type Job = Pin<Box<dyn Future<Output = Result<u64, String>> + Send>>;

/// Waits `ms`, then fails if `fails`, else counts itself in `finished` and returns `ms`.
fn job(ms: u64, fails: bool, finished: &Arc<AtomicUsize>) -> Job {
    let finished = Arc::clone(finished);
    Box::pin(async move {
        sleep(Duration::from_millis(ms)).await;
        if fails {
            return Err(format!("job of {ms} ms failed"));
        }
        finished.fetch_add(1, Ordering::SeqCst);
        Ok(ms)
    })
}

fn on_paused_clock<T>(work: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime")
        .block_on(work)
}

fn values_come_in_argument_order_when_all_succeed() {
    let finished = Arc::new(AtomicUsize::new(0));
    let values = on_paused_clock(task_group(vec![
        job(300, false, &finished),
        job(100, false, &finished),
        job(200, false, &finished),
    ]));
    assert_eq!(
        values,
        Ok(vec![300, 100, 200]),
        "values[i] belongs to futures[i]"
    );
}

fn the_first_failure_is_returned_as_soon_as_it_happens() {
    let finished = Arc::new(AtomicUsize::new(0));
    let (result, took) = on_paused_clock(async {
        let started = Instant::now();
        let result = task_group(vec![
            job(300, false, &finished),
            job(200, true, &finished),
            job(100, true, &finished),
        ])
        .await;
        (result, started.elapsed())
    });
    assert_eq!(
        result,
        Err("job of 100 ms failed".to_string()),
        "the first failure in time is the one returned"
    );
    assert_eq!(
        took,
        Duration::from_millis(100),
        "the failure came at 100 ms and task_group returned at {took:?}: return it at once"
    );
}

fn the_other_tasks_are_cancelled_by_the_first_failure() {
    let finished = Arc::new(AtomicUsize::new(0));
    let result = on_paused_clock(async {
        let result = task_group(vec![
            job(50, false, &finished),
            job(300, false, &finished),
            job(100, true, &finished),
            job(200, false, &finished),
        ])
        .await;
        // Far longer than any task: a task still running would finish now.
        sleep(Duration::from_secs(10)).await;
        result
    });
    assert!(
        result.is_err(),
        "one task failed, so the group fails: {result:?}"
    );
    let finished = finished.load(Ordering::SeqCst);
    assert_eq!(
        finished, 1,
        "{finished} tasks finished, but only the 50 ms one had done so before the failure at \
         100 ms: the others ran on after task_group returned. Cancel them (what does dropping a \
         JoinSet do? a JoinHandle?)"
    );
}
