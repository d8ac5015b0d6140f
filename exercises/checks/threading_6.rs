//! The checks of threading-6, shared by `exercises` and `solutions`.
//!
//! Whether a worker's thread has ended is seen from inside it: the job touches a thread-local
//! guard, and the guard is dropped, counting one more ended thread, as its thread ends. Joining a
//! thread waits for that; a shutdown that only tells the workers to stop returns before it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use lesson_kit::finish_within;

use crate::harness::Check;
use crate::target::threading_6::{Event, Workers};

pub const CHECKS: &[Check] = &[
    Check {
        name: "setting_an_event_wakes_every_thread_waiting_for_it",
        run: setting_an_event_wakes_every_thread_waiting_for_it,
    },
    Check {
        name: "shutdown_joins_every_worker_and_returns_their_rounds",
        run: shutdown_joins_every_worker_and_returns_their_rounds,
    },
    Check {
        name: "shutdown_stops_workers_in_the_middle_of_a_long_pause",
        run: shutdown_stops_workers_in_the_middle_of_a_long_pause,
    },
];

/// A limit far above what any step needs: reaching it means something waits for nothing.
const LIMIT: Duration = Duration::from_secs(5);

/// A pause much longer than [`LIMIT`]: a worker that sleeps through it cannot stop in time.
const LONG_PAUSE: Duration = Duration::from_secs(60);

/// Worker threads that have ended, counted by [`EndOfThread`].
static ENDED: AtomicUsize = AtomicUsize::new(0);

/// Dropped when the thread that owns it ends (Rust drops a thread's locals as it ends).
struct EndOfThread;

impl Drop for EndOfThread {
    fn drop(&mut self) {
        // Slow on purpose, so that the thread takes a while to end: a shutdown that joins the
        // workers waits for this, and one that only sets the event returns before it.
        thread::sleep(Duration::from_millis(200));
        ENDED.fetch_add(1, Ordering::SeqCst);
    }
}

thread_local! {
    /// Touched by each job, so that each worker's thread has one to drop when it ends.
    static END_OF_THREAD: EndOfThread = const { EndOfThread };
}

/// How many times each worker has run its job so far, by worker number.
fn rounds(count: usize) -> Arc<Vec<AtomicU64>> {
    Arc::new((0..count).map(|_| AtomicU64::new(0)).collect())
}

/// A job for worker `number` that counts its rounds and marks its thread.
fn counting_job(rounds: &Arc<Vec<AtomicU64>>) -> impl Fn(usize) + Send + Sync + 'static {
    let rounds = Arc::clone(rounds);
    move |number| {
        END_OF_THREAD.with(|_| {});
        rounds[number].fetch_add(1, Ordering::SeqCst);
    }
}

/// Waits until every worker has run its job at least `at_least` times.
fn wait_for_rounds(rounds: &[AtomicU64], at_least: u64) {
    let deadline = Instant::now() + LIMIT;
    for (number, done) in rounds.iter().enumerate() {
        while done.load(Ordering::SeqCst) < at_least {
            assert!(
                Instant::now() < deadline,
                "worker {number} ran its job {} time(s) in {LIMIT:?}, fewer than {at_least}: does \
                 each worker repeat its job until the event is set?",
                done.load(Ordering::SeqCst)
            );
            thread::sleep(Duration::from_millis(1));
        }
    }
}

fn setting_an_event_wakes_every_thread_waiting_for_it() {
    let fresh = Event::new();
    assert!(!fresh.is_set(), "a new event is not set");
    assert!(
        !fresh.wait_timeout(Duration::from_millis(10)),
        "waiting for an event nobody sets returns false when the time is up"
    );

    let event = Arc::new(Event::new());
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let event = Arc::clone(&event);
            thread::spawn(move || event.wait_timeout(LONG_PAUSE))
        })
        .collect();
    // Time for the three threads to start waiting: set() must wake them, not find them arriving.
    thread::sleep(Duration::from_millis(100));
    let woken = finish_within(
        "three threads waiting for an event that was set (does set() wake all of them?)",
        LIMIT,
        {
            let event = Arc::clone(&event);
            move || {
                event.set();
                waiters
                    .into_iter()
                    .map(|waiter| waiter.join().expect("a waiting thread panicked"))
                    .collect::<Vec<bool>>()
            }
        },
    );
    assert_eq!(
        woken,
        [true, true, true],
        "each waiting thread should return true: the event was set"
    );
    assert!(event.is_set(), "after set(), is_set() is true");
}

fn shutdown_joins_every_worker_and_returns_their_rounds() {
    const COUNT: usize = 4;
    let rounds = rounds(COUNT);
    let workers = Workers::start(COUNT, Duration::from_millis(1), counting_job(&rounds));
    // Several rounds each: a worker must repeat its job, not run it once.
    wait_for_rounds(&rounds, 3);
    let reported = finish_within("shutdown", LIMIT, move || workers.shutdown());
    let ended = ENDED.load(Ordering::SeqCst);
    assert_eq!(
        ended, COUNT,
        "{ended} of {COUNT} worker threads had ended when shutdown returned: join every one"
    );
    let counted: Vec<u64> = rounds.iter().map(|r| r.load(Ordering::SeqCst)).collect();
    assert_eq!(
        reported, counted,
        "shutdown should return how many times each worker ran its job, in the order of the \
         workers"
    );
    let none = finish_within("starting and stopping no workers", LIMIT, || {
        Workers::start(0, Duration::from_millis(1), |_| {}).shutdown()
    });
    assert!(none.is_empty(), "no workers, no rounds: {none:?}");
}

fn shutdown_stops_workers_in_the_middle_of_a_long_pause() {
    const COUNT: usize = 3;
    let rounds = rounds(COUNT);
    let workers = Workers::start(COUNT, LONG_PAUSE, counting_job(&rounds));
    // Each worker has run its job once and is now in its 60-second pause.
    wait_for_rounds(&rounds, 1);
    let reported = finish_within(
        "shutdown while every worker was in a 60 s pause (do they wait on the event, and does \
         set() wake them all?)",
        LIMIT,
        move || workers.shutdown(),
    );
    assert_eq!(
        reported,
        [1, 1, 1],
        "each worker ran its job once before its pause, and should have stopped in that pause"
    );
    let ended = ENDED.load(Ordering::SeqCst);
    assert_eq!(
        ended, COUNT,
        "{ended} of {COUNT} worker threads had ended when shutdown returned: join every one"
    );
}
