//! Threads that signal each other: Python's `Event`, `Condition`, `Semaphore` and `Barrier`, and
//! what each one promises, counted.
//!
//! Each function runs one primitive with a few threads and counts whether its promise held:
//! nobody woke before the event was set, every item came through the condition in order, no
//! more downloads at once than the semaphore's permits (the delay server counts them), nobody
//! passed the barrier before everyone had arrived.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Barrier, Condvar, Mutex};
use std::thread;

use serde::{Deserialize, Serialize};

use crate::fetch::{Client, FetchResult, fetch};
use crate::sync::{Event, Semaphore};

/// `threading.Event`: `waiters` threads wait for it; how many woke, and how many woke early.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRun {
    pub waiters: u64,
    pub woken: u64,
    /// Threads that returned from `wait` before `set` was called: must be 0.
    pub early: u64,
}

pub fn event(waiters: u64) -> EventRun {
    let (go, set_called) = (Event::new(), AtomicBool::new(false));
    let (woken, early) = (AtomicU64::new(0), AtomicU64::new(0));
    thread::scope(|s| {
        for _ in 0..waiters {
            s.spawn(|| {
                go.wait();
                woken.fetch_add(1, Ordering::SeqCst);
                if !set_called.load(Ordering::SeqCst) {
                    early.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
        set_called.store(true, Ordering::SeqCst);
        go.set();
    });
    EventRun {
        waiters,
        woken: woken.into_inner(),
        early: early.into_inner(),
    }
}

/// `threading.Condition` around a list: a producer appends `items` numbers, a consumer waits
/// for each. Whether the consumer got them all, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ConditionRun {
    pub items: u64,
    pub received_in_order: u64,
}

pub fn condition(items: u64) -> ConditionRun {
    // ANCHOR: condition
    let queue = Mutex::new(VecDeque::new());
    let not_empty = Condvar::new();
    let received = thread::scope(|s| {
        let consumer = s.spawn(|| {
            let mut received = Vec::new();
            loop {
                let queue = queue.lock().unwrap();
                // `with cond: cond.wait_for(lambda: queue)`: sleep until there is an item.
                let mut queue = not_empty.wait_while(queue, |q| q.is_empty()).unwrap();
                match queue.pop_front() {
                    Some(Some(item)) => received.push(item),
                    _ => return received, // `None` is the producer's "no more"
                }
            }
        });
        for item in (0..items).map(Some).chain([None]) {
            queue.lock().unwrap().push_back(item);
            not_empty.notify_one(); // `cond.notify()`
        }
        consumer.join().unwrap_or_default()
    });
    // ANCHOR_END: condition
    let in_order = received
        .iter()
        .enumerate()
        .take_while(|&(i, &item)| i as u64 == item)
        .count();
    ConditionRun {
        items,
        received_in_order: in_order as u64,
    }
}

/// `threading.Semaphore(permits)` around downloads: `threads` threads, one URL each. The server
/// counts how many requests it had in flight at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SemaphoreRun {
    pub threads: u64,
    pub permits: u64,
    pub peak_in_flight: u64,
    pub failures: Vec<String>,
}

pub fn semaphore(client: &Client, urls: &[String], permits: usize) -> Vec<String> {
    // ANCHOR: semaphore_use
    let downloads = &Semaphore::new(permits); // threading.Semaphore(permits)
    let results: Vec<FetchResult> = thread::scope(|s| {
        let threads: Vec<_> = urls
            .iter()
            .map(|url| {
                s.spawn(move || {
                    let _permit = downloads.acquire(); // `with downloads:`
                    fetch(client, url)
                }) // the permit is given back when `_permit` is dropped, at the end
            })
            .collect();
        threads.into_iter().filter_map(|t| t.join().ok()).collect()
    });
    // ANCHOR_END: semaphore_use
    results
        .into_iter()
        .filter_map(|r| r.outcome.err().map(|error| format!("{}: {error}", r.url)))
        .collect()
}

/// `threading.Barrier(threads)` between two phases: how many threads began phase 2 before every
/// thread had finished phase 1 (must be 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BarrierRun {
    pub threads: u64,
    pub early: u64,
}

pub fn barrier(threads: u64) -> BarrierRun {
    let phase_one_done = AtomicU64::new(0);
    let early = AtomicU64::new(0);
    let everyone = Barrier::new(threads as usize);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                phase_one_done.fetch_add(1, Ordering::SeqCst); // phase 1
                everyone.wait(); // `barrier.wait()`
                if phase_one_done.load(Ordering::SeqCst) < threads {
                    early.fetch_add(1, Ordering::SeqCst); // phase 2 began too soon
                }
            });
        }
    });
    BarrierRun {
        threads,
        early: early.into_inner(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use lesson_kit::{DelayServer, finish_within};

    use super::*;

    #[test]
    fn each_primitive_keeps_its_promise() {
        finish_within("the signals", Duration::from_secs(60), || {
            assert_eq!(
                event(8),
                EventRun {
                    waiters: 8,
                    woken: 8,
                    early: 0
                }
            );
            assert_eq!(condition(1_000).received_in_order, 1_000);
            assert_eq!(barrier(6).early, 0);
            let server = DelayServer::start().expect("server");
            let urls: Vec<String> = (0..6)
                .map(|_| server.delay_url(Duration::from_millis(100)))
                .collect();
            let client = Client::new(Duration::from_secs(20)).expect("client");
            assert!(semaphore(&client, &urls, 2).is_empty());
            assert!(server.peak_in_flight() <= 2, "{}", server.peak_in_flight());
            assert_eq!(server.requests(), 6);
        });
    }
}
