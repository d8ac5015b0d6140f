//! `gather`, `gather_return_exceptions` and `task_group` on a paused clock: argument order, when
//! the first failure comes back, and whether the siblings ran on. No wall-clock thresholds: the
//! paused clock jumps from timer to timer, so every time below is exact.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use coroutines::{TaskError, gather, gather_return_exceptions, task_group};
use tokio::time::{Instant, sleep};

/// A task that sleeps `ms`, then fails if `fail`, else counts itself finished and returns `ms`.
async fn job(ms: u64, fail: bool, finished: Arc<AtomicUsize>) -> Result<u64, String> {
    sleep(Duration::from_millis(ms)).await;
    if fail {
        return Err(format!("failed after {ms} ms"));
    }
    finished.fetch_add(1, Ordering::SeqCst);
    Ok(ms)
}

fn jobs(
    spec: &[(u64, bool)],
    finished: &Arc<AtomicUsize>,
) -> Vec<impl Future<Output = Result<u64, String>> + use<>> {
    spec.iter()
        .map(|&(ms, fail)| job(ms, fail, Arc::clone(finished)))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn gather_returns_results_in_argument_order_not_finishing_order() {
    let finished = Arc::new(AtomicUsize::new(0));
    let results = gather(jobs(&[(300, false), (100, false), (200, false)], &finished)).await;
    assert_eq!(results, Ok(vec![300, 100, 200]));
}

#[tokio::test(start_paused = true)]
async fn gathered_waits_overlap_on_one_thread() {
    let started = Instant::now();
    let threads = gather((0..3).map(|_| async {
        sleep(Duration::from_secs(2)).await;
        Ok::<_, ()>(std::thread::current().id())
    }))
    .await
    .unwrap();
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(2),
        "one wait, not three"
    );
    assert!(threads.iter().all(|&t| t == std::thread::current().id()));
}

#[tokio::test(start_paused = true)]
async fn gather_passes_on_the_first_error_at_once_and_the_others_run_on() {
    let finished = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let result = gather(jobs(&[(300, false), (100, true), (200, false)], &finished)).await;
    assert_eq!(
        result,
        Err(TaskError::Failed {
            index: 1,
            error: "failed after 100 ms".into()
        })
    );
    assert_eq!(
        started.elapsed(),
        Duration::from_millis(100),
        "at the failure, not after the rest"
    );
    assert_eq!(finished.load(Ordering::SeqCst), 0);
    sleep(Duration::from_secs(1)).await;
    assert_eq!(
        finished.load(Ordering::SeqCst),
        2,
        "nothing cancelled the siblings"
    );
}

#[tokio::test(start_paused = true)]
async fn return_exceptions_gives_every_outcome_in_order() {
    let finished = Arc::new(AtomicUsize::new(0));
    let results = gather_return_exceptions(jobs(&[(300, false), (100, true)], &finished)).await;
    assert_eq!(results.len(), 2);
    assert_eq!(results[0], Ok(300));
    assert_eq!(results[1].as_ref().map_err(TaskError::index), Err(1));
}

#[tokio::test(start_paused = true)]
async fn a_task_group_cancels_the_siblings_on_the_first_failure() {
    let finished = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let result = task_group(jobs(
        &[(300, false), (50, false), (100, true), (200, false)],
        &finished,
    ))
    .await;
    assert_eq!(result.map_err(|e| e.index()), Err(2));
    assert_eq!(started.elapsed(), Duration::from_millis(100));
    sleep(Duration::from_secs(1)).await;
    assert_eq!(
        finished.load(Ordering::SeqCst),
        1,
        "only the one done before the failure"
    );
}

#[tokio::test(start_paused = true)]
async fn a_task_group_without_failures_returns_in_argument_order() {
    let finished = Arc::new(AtomicUsize::new(0));
    let results = task_group(jobs(&[(300, false), (100, false), (200, false)], &finished)).await;
    assert_eq!(results, Ok(vec![300, 100, 200]));
}

#[tokio::test(start_paused = true)]
async fn a_panicking_task_is_reported_with_its_index() {
    let result = gather([
        Box::pin(async { Ok::<u8, ()>(1) }) as std::pin::Pin<Box<dyn Future<Output = _> + Send>>,
        Box::pin(async { panic!("boom") }),
    ])
    .await;
    assert!(
        matches!(result, Err(TaskError::Died { index: 1, .. })),
        "{result:?}"
    );
}
