//! Locks that wait for each other: one thread taking a lock twice, and two threads taking two
//! locks in opposite orders. Neither is ever allowed to hang: the first is asked with
//! `try_lock`, the second waits with a timeout (Python's `lock.acquire(timeout=…)`).

use std::sync::{Barrier, Mutex, TryLockError};
use std::thread;
use std::time::Duration;

use lesson_kit::{Lane, State, Trace};
use serde::Serialize;

use crate::sync::Lock;

/// Whether a thread that holds a `Mutex` and locks it again would wait for itself. `try_lock`
/// answers without waiting: `WouldBlock` means `lock()` would never return (std's docs: it "might
/// panic or deadlock"). Python's `Lock` does the same; its `RLock` would let the thread in.
pub fn relock_would_block() -> bool {
    // ANCHOR: relock
    let balance = Mutex::new(100);
    let held = balance.lock().unwrap();
    // What `balance.lock()` would do here, asked without waiting:
    let again = balance.try_lock();
    let would_block = matches!(again, Err(TryLockError::WouldBlock));
    // ANCHOR_END: relock
    drop(again);
    drop(held);
    would_block
}

/// How one thread of [`two_locks`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Took {
    /// It held both locks and did its work.
    Both,
    /// It gave up waiting for its second lock, and let go of its first.
    GaveUp,
}

/// Two threads and two locks, `a` and `b`. Thread 1 takes `a` then `b`; thread 2 takes `b` then
/// `a` when `opposite`, else `a` then `b` (one agreed order). Each holds its first lock for
/// `hold` before it asks for the second, which it waits for at most `timeout`. Lanes `thread 1`
/// and `thread 2` show each waiting for a lock (idle), holding one (sleeping), and done.
pub fn two_locks(opposite: bool, hold: Duration, timeout: Duration, trace: &Trace) -> [Took; 2] {
    let (a, b) = (Lock::new(), Lock::new());
    let orders = [[&a, &b], if opposite { [&b, &a] } else { [&a, &b] }];
    let start_line = Barrier::new(2);
    thread::scope(|s| {
        let threads = [1, 2].map(|i| {
            let [first, second] = orders[i - 1];
            let lane = trace.lane(format!("thread {i}"));
            let start_line = &start_line;
            s.spawn(move || {
                start_line.wait(); // both start at the same moment
                transfer(first, second, hold, timeout, &lane)
            })
        });
        threads.map(|t| t.join().unwrap_or(Took::GaveUp))
    })
}

/// Takes `first`, holds it for `hold`, then takes `second` too, or gives up after `timeout`.
fn transfer(first: &Lock, second: &Lock, hold: Duration, timeout: Duration, lane: &Lane) -> Took {
    let Some(_first) = lane.span(State::Idle, || first.acquire_timeout(timeout)) else {
        return Took::GaveUp;
    };
    // The work done with the first lock held: a pause, long enough that the other thread takes
    // its own first lock meanwhile. It makes the bad interleaving certain instead of likely.
    lane.span(State::Sleeping, || thread::sleep(hold));
    match lane.span(State::Idle, || second.acquire_timeout(timeout)) {
        Some(_second) => Took::Both,
        None => Took::GaveUp,
    }
}

#[cfg(test)]
mod tests {
    use lesson_kit::finish_within;

    use super::*;

    #[test]
    fn locking_a_held_mutex_again_would_block() {
        assert!(relock_would_block());
    }

    #[test]
    fn opposite_orders_end_in_a_timeout_and_one_order_in_none() {
        // A long hold: even on a busy machine, both threads take their first lock meanwhile.
        let (hold, timeout) = (Duration::from_millis(200), Duration::from_millis(300));
        let opposite = finish_within("opposite orders", Duration::from_secs(30), move || {
            two_locks(true, hold, timeout, &Trace::new())
        });
        assert!(opposite.contains(&Took::GaveUp), "{opposite:?}");
        let one_order = finish_within("one order", Duration::from_secs(30), move || {
            two_locks(false, hold, Duration::from_secs(10), &Trace::new())
        });
        assert_eq!(one_order, [Took::Both, Took::Both]);
    }
}
