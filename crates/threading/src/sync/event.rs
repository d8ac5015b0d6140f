//! `Event`: a flag that threads wait for, Python's `threading.Event`.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

// ANCHOR: event
/// Mirrors `threading.Event`: `set()` wakes every thread in `wait()`, and
/// later waits return at once until `clear()`.
#[derive(Debug, Default)]
pub struct Event {
    flag: Mutex<bool>,
    changed: Condvar,
}

impl Event {
    pub fn new() -> Self {
        Self::default()
    }

    /// `event.set()`: raise the flag and wake every waiter.
    pub fn set(&self) {
        *self.flag.lock().unwrap() = true;
        self.changed.notify_all();
    }

    /// `event.wait()`: block until the flag is raised. `wait_while` re-checks
    /// the flag after each wake-up: a condition variable may wake a thread
    /// for no reason.
    pub fn wait(&self) {
        let flag = self.flag.lock().unwrap();
        let _raised = self.changed.wait_while(flag, |raised| !*raised).unwrap();
    }
}
// ANCHOR_END: event

impl Event {
    /// `event.wait(timeout)`: whether the flag was raised before `timeout` passed.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let flag = self.flag.lock().unwrap();
        let (raised, _) = self
            .changed
            .wait_timeout_while(flag, timeout, |raised| !*raised)
            .unwrap();
        *raised
    }

    /// `event.is_set()`.
    pub fn is_set(&self) -> bool {
        *self.flag.lock().unwrap()
    }

    /// `event.clear()`: lower the flag; later waits block again.
    pub fn clear(&self) {
        *self.flag.lock().unwrap() = false;
    }
}

#[cfg(test)]
mod tests {
    use std::thread;

    use super::*;

    #[test]
    fn set_wakes_every_waiter_and_later_waits_return_at_once() {
        let event = Event::new();
        assert!(!event.wait_timeout(Duration::from_millis(1)));
        thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| event.wait());
            }
            event.set();
        });
        assert!(event.is_set());
        event.wait();
        event.clear();
        assert!(!event.is_set());
    }
}
