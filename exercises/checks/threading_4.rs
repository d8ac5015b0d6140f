//! The checks of threading-4, shared by `exercises` and `solutions`.
//!
//! Each run of the pipeline has a limit of 5 seconds, far above what it needs: a run that does not
//! return has a consumer waiting for a `Sender` that is never dropped, and the check says so.

use std::collections::HashSet;
use std::panic;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread::{self, ThreadId};
use std::time::Duration;

use crate::harness::Check;
use crate::target::threading_4::Pipeline;

pub const CHECKS: &[Check] = &[
    Check {
        name: "every_item_is_made_and_processed_exactly_once",
        run: every_item_is_made_and_processed_exactly_once,
    },
    Check {
        name: "at_most_capacity_items_wait_between_producers_and_consumers",
        run: at_most_capacity_items_wait_between_producers_and_consumers,
    },
    Check {
        name: "it_returns_when_the_producers_are_done",
        run: it_returns_when_the_producers_are_done,
    },
    Check {
        name: "producers_and_consumers_work_at_once_on_threads_of_their_own",
        run: producers_and_consumers_work_at_once_on_threads_of_their_own,
    },
];

/// How long a run may take: far above what it needs, so a run that takes longer is stuck.
const LIMIT: Duration = Duration::from_secs(5);

/// Runs `pipeline` on `count` items on a thread of its own, and returns the results, sorted. A
/// panic in the run is passed on; a run still going after [`LIMIT`] fails with the likely cause.
fn run_within_limit<T, R>(
    pipeline: Pipeline,
    count: usize,
    make: impl Fn(usize) -> T + Send + Sync + 'static,
    process: impl Fn(T) -> R + Send + Sync + 'static,
) -> Vec<R>
where
    T: Send + 'static,
    R: Send + Ord + 'static,
{
    let (done, finished) = mpsc::channel();
    let run = thread::spawn(move || {
        let mut results = pipeline.run(count, make, process);
        results.sort();
        let _ = done.send(results);
    });
    match finished.recv_timeout(LIMIT) {
        Ok(results) => results,
        Err(mpsc::RecvTimeoutError::Disconnected) => match run.join() {
            Err(panic) => panic::resume_unwind(panic),
            Ok(()) => unreachable!("the run sends its results before it ends"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!(
            "Pipeline::run has not returned after {LIMIT:?}: a consumer still waits for an item. \
             Its loop ends only once every Sender is dropped: is one still alive? ({count} items, \
             {pipeline:?})"
        ),
    }
}

/// How many times each number was made and each item processed.
fn calls(count: usize) -> Arc<Vec<AtomicUsize>> {
    Arc::new((0..count).map(|_| AtomicUsize::new(0)).collect())
}

fn every_item_is_made_and_processed_exactly_once() {
    const COUNT: usize = 500;
    let made = calls(COUNT);
    let processed = calls(COUNT);
    let pipeline = Pipeline {
        producers: 3,
        consumers: 4,
        capacity: 8,
    };
    let results = run_within_limit(
        pipeline,
        COUNT,
        {
            let made = Arc::clone(&made);
            move |n| {
                made[n].fetch_add(1, Ordering::SeqCst);
                n
            }
        },
        {
            let processed = Arc::clone(&processed);
            move |n: usize| {
                processed[n].fetch_add(1, Ordering::SeqCst);
                n * 10
            }
        },
    );
    for n in 0..COUNT {
        let (made, processed) = (
            made[n].load(Ordering::SeqCst),
            processed[n].load(Ordering::SeqCst),
        );
        assert_eq!(made, 1, "item {n} was made {made} times, not once");
        assert_eq!(
            processed, 1,
            "item {n} was processed {processed} times, not once"
        );
    }
    let expected: Vec<usize> = (0..COUNT).map(|n| n * 10).collect();
    assert_eq!(
        results.len(),
        COUNT,
        "{COUNT} items went in, {} results came out: return every result of `process`",
        results.len()
    );
    assert_eq!(results, expected, "the results are not those of `process`");
}

/// Items made but not yet handed to `process`, and the most there ever were.
#[derive(Default)]
struct Backlog {
    made: AtomicUsize,
    taken: AtomicUsize,
    peak: AtomicUsize,
}

impl Backlog {
    fn one_made(&self) {
        let made = self.made.fetch_add(1, Ordering::SeqCst) + 1;
        // `taken` only grows, so reading it after counting this item can only under-count.
        let waiting = made.saturating_sub(self.taken.load(Ordering::SeqCst));
        self.peak.fetch_max(waiting, Ordering::SeqCst);
    }

    fn one_taken(&self) {
        self.taken.fetch_add(1, Ordering::SeqCst);
    }
}

/// The most items made and not yet processed when `count` items go through `pipeline` with slow
/// consumers (2 ms an item) and producers that make an item at once.
fn peak_backlog(pipeline: Pipeline, count: usize) -> usize {
    let backlog = Arc::new(Backlog::default());
    let results = run_within_limit(
        pipeline,
        count,
        {
            let backlog = Arc::clone(&backlog);
            move |n| {
                backlog.one_made();
                n
            }
        },
        {
            let backlog = Arc::clone(&backlog);
            move |n: usize| {
                backlog.one_taken();
                // A slow consumer: without backpressure the producers would make every item
                // while the consumers are still at the first few.
                thread::sleep(Duration::from_millis(2));
                n
            }
        },
    );
    assert_eq!(results, (0..count).collect::<Vec<_>>(), "every item once");
    backlog.peak.load(Ordering::SeqCst)
}

fn at_most_capacity_items_wait_between_producers_and_consumers() {
    for pipeline in [
        Pipeline {
            producers: 2,
            consumers: 2,
            capacity: 4,
        },
        Pipeline {
            producers: 1,
            consumers: 1,
            capacity: 1,
        },
    ] {
        let peak = peak_backlog(pipeline, 100);
        // Each producer may hold the item it is sending and each consumer the one it has just
        // received, on top of the `capacity` items waiting in the channel.
        let bound = pipeline.capacity + pipeline.producers + pipeline.consumers;
        assert!(
            peak <= bound,
            "with {pipeline:?}, {peak} items were made and not yet processed at one moment: at \
             most {bound} can be ({} in the channel, one in the hands of each producer and each \
             consumer). Is the channel bounded to `capacity`?",
            pipeline.capacity
        );
    }
}

fn it_returns_when_the_producers_are_done() {
    let shapes = [
        (
            Pipeline {
                producers: 1,
                consumers: 1,
                capacity: 1,
            },
            10,
        ),
        // More threads than items: some producers and consumers have nothing to do.
        (
            Pipeline {
                producers: 4,
                consumers: 4,
                capacity: 2,
            },
            2,
        ),
        (
            Pipeline {
                producers: 2,
                consumers: 3,
                capacity: 4,
            },
            0,
        ),
        // Zeros are treated as ones.
        (
            Pipeline {
                producers: 0,
                consumers: 0,
                capacity: 0,
            },
            5,
        ),
    ];
    for (pipeline, count) in shapes {
        let results = run_within_limit(pipeline, count, |n| n, |n: usize| n + 1);
        assert_eq!(
            results,
            (1..=count).collect::<Vec<_>>(),
            "with {pipeline:?} and {count} items"
        );
    }
}

/// Calls in progress, for checking that several run at once: the first `wanted` callers wait
/// (at most a second, once) until `wanted` calls are in progress together.
struct AtOnce {
    wanted: usize,
    state: Mutex<AtOnceState>,
    changed: Condvar,
}

#[derive(Default)]
struct AtOnceState {
    arrived: usize,
    in_progress: usize,
    most_at_once: usize,
    gave_up: bool,
    threads: HashSet<ThreadId>,
}

impl AtOnce {
    fn new(wanted: usize) -> Self {
        Self {
            wanted,
            state: Mutex::default(),
            changed: Condvar::new(),
        }
    }

    fn enter(&self) {
        let mut state = self.state.lock().unwrap();
        state.arrived += 1;
        state.in_progress += 1;
        state.most_at_once = state.most_at_once.max(state.in_progress);
        state.threads.insert(thread::current().id());
        self.changed.notify_all();
        if state.arrived <= self.wanted && !state.gave_up {
            let (mut state, waited) = self
                .changed
                .wait_timeout_while(state, Duration::from_secs(1), |state| {
                    state.most_at_once < self.wanted
                })
                .unwrap();
            if waited.timed_out() {
                state.gave_up = true;
            }
        }
    }

    fn leave(&self) {
        self.state.lock().unwrap().in_progress -= 1;
    }

    fn most_at_once(&self) -> usize {
        self.state.lock().unwrap().most_at_once
    }

    fn threads(&self) -> HashSet<ThreadId> {
        self.state.lock().unwrap().threads.clone()
    }
}

fn producers_and_consumers_work_at_once_on_threads_of_their_own() {
    let pipeline = Pipeline {
        producers: 3,
        consumers: 2,
        capacity: 2,
    };
    let making = Arc::new(AtOnce::new(pipeline.producers));
    let processing = Arc::new(AtOnce::new(pipeline.consumers));
    let results = {
        let (making, processing) = (Arc::clone(&making), Arc::clone(&processing));
        run_within_limit(
            pipeline,
            50,
            move |n| {
                making.enter();
                making.leave();
                n
            },
            move |n: usize| {
                processing.enter();
                processing.leave();
                n
            },
        )
    };
    assert_eq!(results, (0..50).collect::<Vec<_>>(), "every item once");
    assert_eq!(
        making.most_at_once(),
        pipeline.producers,
        "at most {} items were being made at the same time, by {} producers: start `producers` \
         threads that make items",
        making.most_at_once(),
        pipeline.producers
    );
    assert_eq!(
        processing.most_at_once(),
        pipeline.consumers,
        "at most {} items were being processed at the same time, by {} consumers: start \
         `consumers` threads that process items",
        processing.most_at_once(),
        pipeline.consumers
    );
    let both: Vec<_> = making
        .threads()
        .intersection(&processing.threads())
        .copied()
        .collect();
    assert!(
        both.is_empty(),
        "{} thread(s) both made and processed items: producers only make and send, consumers \
         only receive and process",
        both.len()
    );
}
