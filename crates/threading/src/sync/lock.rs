//! `Lock`: Python's `threading.Lock`, whose `acquire` takes a timeout.
//!
//! `std::sync::Mutex::lock` waits forever; a deadlock in it is a hang. Python's
//! `lock.acquire(timeout=1)` gives up instead and returns `False`, and so does this lock's
//! [`Lock::acquire_timeout`]: the lesson's deadlock ends in a timeout it can report. (The
//! `parking_lot` crate's `Mutex::try_lock_for` does the same; one type here is enough.)

use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// Mirrors `threading.Lock` (unlike Rust's `Mutex`, it guards no data: it is only a lock).
#[derive(Debug, Default)]
pub struct Lock {
    locked: Mutex<bool>,
    released: Condvar,
}

/// The lock, held until dropped (the end of `with lock:`).
#[derive(Debug)]
pub struct LockGuard<'a> {
    lock: &'a Lock,
}

impl Lock {
    pub fn new() -> Self {
        Self::default()
    }

    /// `lock.acquire(timeout=…)`: the lock, or `None` if `timeout` passed first.
    pub fn acquire_timeout(&self, timeout: Duration) -> Option<LockGuard<'_>> {
        let locked = self.locked.lock().unwrap();
        let (mut locked, waited) = self
            .released
            .wait_timeout_while(locked, timeout, |locked| *locked)
            .unwrap();
        if waited.timed_out() && *locked {
            return None;
        }
        *locked = true;
        Some(LockGuard { lock: self })
    }
}

impl Drop for LockGuard<'_> {
    /// `lock.release()`.
    fn drop(&mut self) {
        *self.lock.locked.lock().unwrap() = false;
        self.lock.released.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_times_out_and_a_released_one_is_taken() {
        let lock = Lock::new();
        let held = lock.acquire_timeout(Duration::from_secs(1));
        assert!(held.is_some());
        assert!(lock.acquire_timeout(Duration::from_millis(10)).is_none());
        drop(held);
        assert!(lock.acquire_timeout(Duration::from_millis(10)).is_some());
    }
}
