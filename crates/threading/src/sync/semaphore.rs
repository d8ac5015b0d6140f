//! `Semaphore`: at most N threads past at once, Python's `threading.Semaphore`.

use std::sync::{Condvar, Mutex};

// ANCHOR: semaphore
/// Mirrors `threading.Semaphore(n)`: `acquire()` takes one of `n` permits,
/// waiting while none is left; dropping the [`Permit`] gives it back
/// (Python's `release()`, or the end of `with sem:`).
#[derive(Debug)]
pub struct Semaphore {
    permits: Mutex<usize>,
    returned: Condvar,
}

/// One permit, given back when dropped.
#[derive(Debug)]
pub struct Permit<'a> {
    semaphore: &'a Semaphore,
}

impl Semaphore {
    pub fn new(permits: usize) -> Self {
        Semaphore {
            permits: Mutex::new(permits),
            returned: Condvar::new(),
        }
    }

    /// `with sem:`: wait for a permit and take it.
    pub fn acquire(&self) -> Permit<'_> {
        let permits = self.permits.lock().unwrap();
        let mut permits = self
            .returned
            .wait_while(permits, |left| *left == 0)
            .unwrap();
        *permits -= 1;
        Permit { semaphore: self }
    }
}

impl Drop for Permit<'_> {
    /// `sem.release()`: give the permit back and wake one waiter.
    fn drop(&mut self) {
        *self.semaphore.permits.lock().unwrap() += 1;
        self.semaphore.returned.notify_one();
    }
}
// ANCHOR_END: semaphore

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;

    use super::*;

    #[test]
    fn never_more_holders_than_permits() {
        let semaphore = Semaphore::new(2);
        let (inside, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
        thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..100 {
                        let _permit = semaphore.acquire();
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert!(peak.into_inner() <= 2);
    }
}
