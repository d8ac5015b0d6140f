//! The thread executor against `concurrent.futures`' semantics, as properties: `map` order,
//! `as_completed` completeness and order, `wait`'s conditions, `cancel` and `shutdown`.
//!
//! No test sleeps: tasks are held at [`Gates`] and let through in an order the test chooses, so
//! each property holds on any machine at any speed. Every case runs inside `finish_within`, a
//! safety net (a bug would hang, not fail) far above what the work needs; it judges no speed.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_api::gates::Gates;
use futures_api::tasks::Task;
use futures_api::{
    Executor, FutureError, MapOptions, ReturnWhen, SubmitError, TaskFuture, ThreadPoolExecutor,
    as_completed, wait,
};
use lesson_kit::finish_within;
use proptest::prelude::*;
use proptest::sample::subsequence;

const LIMIT: Duration = Duration::from_secs(60);

fn config() -> ProptestConfig {
    // Each case starts threads and sockets: a few dozen cases say enough.
    ProptestConfig::with_cases(24)
}

/// A permutation of `0..n`, for the order in which gates open.
fn permutation(max: usize) -> impl Strategy<Value = Vec<u64>> {
    (1..=max).prop_flat_map(|n| Just((0..n as u64).collect::<Vec<_>>()).prop_shuffle())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn map_keeps_the_order_of_the_tasks_whatever_order_they_finish_in(order in permutation(8)) {
        let n = order.len();
        let results = finish_within("map", LIMIT, move || {
            let mut gates = Gates::new().unwrap();
            let executor = ThreadPoolExecutor::new(n);
            let tasks: Vec<Task> = (0..n as u64).map(|id| gates.task(id)).collect();
            let results = executor.map(tasks, MapOptions::default());
            for &id in &order {
                gates.open(id).unwrap();
            }
            results.map(|r| r.map(|answer| answer.value)).collect::<Vec<_>>()
        });
        prop_assert_eq!(results, (0..n as u64).map(Ok).collect::<Vec<_>>());
    }

    #[test]
    fn as_completed_yields_each_future_once_in_the_order_they_finish(order in permutation(8)) {
        let n = order.len();
        let (yielded, expected) = finish_within("as_completed", LIMIT, move || {
            let mut gates = Gates::new().unwrap();
            let executor = ThreadPoolExecutor::new(n);
            let futures: Vec<_> =
                (0..n as u64).map(|id| executor.submit(gates.task(id)).unwrap()).collect();
            let mut completed = as_completed(&futures, None);
            let mut yielded = Vec::new();
            for &id in &order {
                gates.open(id).unwrap();
                let future = completed.next().unwrap().unwrap();
                yielded.push(future.result(None).unwrap().value);
            }
            assert!(completed.next().is_none(), "nothing after the last");
            (yielded, order)
        });
        prop_assert_eq!(yielded, expected);
    }

    #[test]
    fn cancel_succeeds_on_queued_tasks_only(
        queued in 1..8usize,
        cancel in subsequence((0..8usize).collect::<Vec<_>>(), 0..8),
    ) {
        let cancel: BTreeSet<usize> = cancel.into_iter().filter(|&i| i < queued).collect();
        let outcome = finish_within("cancel", LIMIT, move || {
            let mut gates = Gates::new().unwrap();
            let executor = ThreadPoolExecutor::new(1);
            let running = executor.submit(gates.task(0)).unwrap();
            gates.wait_for(0).unwrap();
            let queued: Vec<_> = (0..queued as u64)
                .map(|i| executor.submit(Task::Square(i)).unwrap())
                .collect();
            let said: Vec<bool> = cancel.iter().map(|&i| queued[i].cancel()).collect();
            let running_said = running.cancel();
            gates.open(0).unwrap();
            executor.shutdown(true, false);
            let states: Vec<_> = queued.iter().map(|f| f.result(None).map(|a| a.value)).collect();
            (said, running_said, running.result(None).map(|a| a.value), states, cancel)
        });
        let (said, running_said, running_result, states, cancel) = outcome;
        prop_assert!(said.iter().all(|&s| s), "a queued task can be cancelled");
        prop_assert!(!running_said, "a running task cannot");
        prop_assert_eq!(running_result, Ok(0));
        for (i, state) in states.iter().enumerate() {
            let expected = if cancel.contains(&i) {
                Err(FutureError::Cancelled)
            } else {
                Ok((i as u64) * (i as u64))
            };
            prop_assert_eq!(state, &expected);
        }
    }

    #[test]
    fn shutdown_with_cancel_futures_cancels_the_queue_and_lets_the_running_finish(
        workers in 1..4usize,
        queued in 0..10usize,
    ) {
        let (running, queued, refused) = finish_within("shutdown", LIMIT, move || {
            let mut gates = Gates::new().unwrap();
            let executor = ThreadPoolExecutor::new(workers);
            let running: Vec<_> =
                (0..workers as u64).map(|id| executor.submit(gates.task(id)).unwrap()).collect();
            for id in 0..workers as u64 {
                gates.wait_for(id).unwrap();
            }
            let queued: Vec<_> = (0..queued as u64)
                .map(|i| executor.submit(Task::Square(i)).unwrap())
                .collect();
            executor.shutdown(false, true);
            let refused = executor.submit(Task::Square(1)).err();
            for id in 0..workers as u64 {
                gates.open(id).unwrap();
            }
            let running: Vec<_> = running.iter().map(|f| f.result(None).map(|a| a.value)).collect();
            let queued: Vec<_> = queued.iter().map(|f| f.result(None)).collect();
            (running, queued, refused)
        });
        prop_assert_eq!(running, (0..workers as u64).map(Ok).collect::<Vec<_>>());
        prop_assert!(queued.iter().all(|r| r == &Err(FutureError::Cancelled)));
        prop_assert_eq!(refused, Some(SubmitError::Shutdown));
    }

    #[test]
    fn wait_returns_as_soon_as_its_condition_holds(
        outcomes in proptest::collection::vec(0..3u8, 1..8),
        when in prop_oneof![
            Just(ReturnWhen::FirstCompleted),
            Just(ReturnWhen::FirstException),
            Just(ReturnWhen::AllCompleted),
        ],
    ) {
        // Futures finished one by one from another thread, each a success (0), a failure (1) or
        // a cancellation (2), while this one waits; `wait` must return with its condition true.
        let n = outcomes.len();
        let (done, failed_seen) = finish_within("wait", LIMIT, move || {
            let futures: Vec<TaskFuture<u64>> = (0..n).map(|_| TaskFuture::new()).collect();
            let nothing_yet = wait(&futures, Some(Duration::ZERO), when);
            assert!(nothing_yet.done.is_empty() && nothing_yet.not_done.len() == n);
            let finisher = {
                let futures = futures.clone();
                std::thread::spawn(move || {
                    for (future, kind) in futures.iter().zip(&outcomes) {
                        match kind {
                            0 => future.set_outcome(Ok(1)),
                            1 => future.set_outcome(Err(FutureError::Failed("raised".into()))),
                            _ => { future.cancel(); }
                        }
                    }
                })
            };
            let result = wait(&futures, None, when);
            finisher.join().unwrap();
            let failed_seen = result.done.iter().any(|&i| {
                matches!(futures[i].exception(Some(Duration::ZERO)), Ok(Some(_)))
            });
            assert_eq!(result.done.len() + result.not_done.len(), n);
            (result.done, failed_seen)
        });
        match when {
            ReturnWhen::FirstCompleted => prop_assert!(!done.is_empty()),
            ReturnWhen::FirstException => prop_assert!(failed_seen || done.len() == n),
            ReturnWhen::AllCompleted => prop_assert_eq!(done.len(), n),
        }
    }
}

#[test]
fn map_s_timeout_counts_from_the_call_and_ends_the_map() {
    let (first, second, held) = finish_within("map timeout", LIMIT, || {
        let mut gates = Gates::new().unwrap();
        let executor = ThreadPoolExecutor::new(1);
        // The only worker is held at its gate: the map's tasks cannot finish in time.
        let holder = executor.submit(gates.task(0)).unwrap();
        gates.wait_for(0).unwrap();
        let tasks = vec![Task::Square(3), Task::Square(5)];
        let mut results = executor.map(tasks, MapOptions::default().timeout(Duration::ZERO));
        let first = results.next();
        let second = results.next();
        drop(results);
        gates.open(0).unwrap();
        (first, second, holder.result(None).map(|a| a.value))
    });
    assert_eq!(first, Some(Err(FutureError::Timeout)));
    assert_eq!(second, None, "a timeout ends the map");
    assert_eq!(held, Ok(0), "a running task is not touched");
}

#[test]
fn a_bounded_buffer_submits_no_further_than_it_is_read() {
    // An endless input: without `buffersize` this map would never return.
    let started = finish_within("buffersize", LIMIT, || {
        let executor = ThreadPoolExecutor::new(2);
        let squares = (0..).map(Task::Square);
        let results = executor.map(squares, MapOptions::default().buffersize(4));
        let values: Vec<u64> = results.take(10).map(|r| r.unwrap().value).collect();
        assert_eq!(values, (0..10u64).map(|i| i * i).collect::<Vec<_>>());
        executor.threads_started()
    });
    assert!(started <= 2);
}

#[test]
fn as_completed_does_not_hang_on_futures_cancelled_by_shutdown() {
    // cpython#87893: CPython's as_completed waited forever for these.
    let yielded = finish_within("as_completed after shutdown", LIMIT, || {
        let mut gates = Gates::new().unwrap();
        let executor = ThreadPoolExecutor::new(1);
        let mut futures = vec![executor.submit(gates.task(0)).unwrap()];
        gates.wait_for(0).unwrap();
        futures.extend((0..5).map(|i| executor.submit(Task::Square(i)).unwrap()));
        executor.shutdown(false, true);
        let mut yielded = 0;
        let mut completed = as_completed(&futures, None);
        for future in completed.by_ref().take(5) {
            assert!(future.unwrap().cancelled());
            yielded += 1;
        }
        gates.open(0).unwrap();
        yielded + completed.count()
    });
    assert_eq!(yielded, 6);
}

#[test]
fn a_panicking_task_fails_its_future_and_the_thread_lives_on() {
    let executor = ThreadPoolExecutor::new(1);
    let boom = executor
        .submit_fn(|| -> Result<u32, String> { panic!("boom") })
        .unwrap();
    let fine = executor.submit_fn(|| Ok(2)).unwrap();
    assert_eq!(
        boom.result(None),
        Err(FutureError::Failed("panicked: boom".into()))
    );
    assert_eq!(fine.result(None), Ok(2));
}

#[test]
fn threads_start_only_as_needed_up_to_max_workers() {
    let executor = ThreadPoolExecutor::new(8);
    for i in 0..3 {
        // One at a time: each finds the previous thread idle and reuses it.
        executor
            .submit(Task::Square(i))
            .unwrap()
            .result(None)
            .unwrap();
    }
    assert!(executor.threads_started() <= 3);
    assert_eq!(Executor::<Task>::max_workers(&executor), 8);
}

#[test]
fn the_default_size_is_cpythons() {
    let cores = futures_api::cores();
    assert_eq!(
        ThreadPoolExecutor::with_default_size().max_workers(),
        (cores + 4).min(32)
    );
    assert_eq!(futures_api::process_pool::default_max_workers(), cores);
}
