//! `run_threads`: every task's value in order, and a panic reported from `join`, not spread.

use std::time::Duration;

use lesson_kit::finish_within;
use threading::{ThreadError, run_threads};

fn with_timeout<T: Send + 'static>(test: impl FnOnce() -> T + Send + 'static) -> T {
    finish_within("this test", Duration::from_secs(60), test)
}

#[test]
fn every_task_returns_its_value_in_order() {
    let results = with_timeout(|| {
        let tasks = (1..=8u64).map(|i| move || i * i);
        run_threads("square", tasks)
    });
    let values: Vec<u64> = results.into_iter().map(|r| r.expect("no panic")).collect();
    assert_eq!(values, vec![1, 4, 9, 16, 25, 36, 49, 64]);
}

#[test]
fn a_panicking_thread_is_reported_from_join_and_the_others_complete() {
    let results = with_timeout(|| {
        let tasks = (1..=4u32).map(|i| {
            move || {
                if i == 2 {
                    panic!("task {i} gave up");
                }
                i * 10
            }
        });
        run_threads("worker", tasks)
    });
    assert_eq!(results[0], Ok(10));
    assert_eq!(
        results[1],
        Err(ThreadError::Panicked {
            thread: "worker 2".into(),
            message: "task 2 gave up".into(),
        })
    );
    assert_eq!(results[2], Ok(30));
    assert_eq!(results[3], Ok(40));
    assert_eq!(
        results[1].as_ref().unwrap_err().to_string(),
        "thread 'worker 2' panicked: task 2 gave up"
    );
}

#[test]
fn tasks_may_borrow_from_the_caller() {
    let words = ["spam".to_string(), "eggs".to_string()];
    let lengths = run_threads("len", words.iter().map(|w| move || w.len()));
    assert_eq!(lengths, vec![Ok(4), Ok(4)]);
}
