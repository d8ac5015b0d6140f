//! `as_completed` and `wait`: waiting on many futures at once, the mirrors of
//! `concurrent.futures.as_completed` and `concurrent.futures.wait`.
//!
//! Both are built on done-callbacks alone, so they work on the futures of any executor, mixed.
//! Each future's callback sends its position down one channel; the caller reads the channel.
//! CPython installs a "waiter" on each future instead, which hears about a cancellation only when
//! a worker later dequeues the task; a future cancelled by `shutdown(cancel_futures=True)` is
//! never dequeued, so `as_completed` used to wait for it forever (cpython#87893). A done-callback
//! runs on every way of becoming done, cancellation included, so that hang cannot happen here.

use std::collections::BTreeSet;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::future::{FutureError, TaskFuture};

/// `concurrent.futures.as_completed(fs, timeout)`: the futures, each as soon as it is done
/// (finished, failed or cancelled), fastest first. A future already done comes at once.
/// `timeout` counts from this call; when it passes, the iterator yields one
/// `Err(FutureError::Timeout)` and ends.
pub fn as_completed<T: 'static>(
    futures: &[TaskFuture<T>],
    timeout: Option<Duration>,
) -> AsCompleted<T> {
    let (done, arrivals) = mpsc::channel();
    for (index, future) in futures.iter().enumerate() {
        let done = done.clone();
        future.add_done_callback(move |_| {
            // The receiver is gone if the caller stopped iterating: nothing to tell.
            let _ = done.send(index);
        });
    }
    AsCompleted {
        futures: futures.to_vec(),
        arrivals,
        left: futures.len(),
        deadline: timeout.map(|t| Instant::now() + t),
    }
}

/// The iterator [`as_completed`] returns.
pub struct AsCompleted<T> {
    futures: Vec<TaskFuture<T>>,
    arrivals: mpsc::Receiver<usize>,
    left: usize,
    deadline: Option<Instant>,
}

impl<T> Iterator for AsCompleted<T> {
    type Item = Result<TaskFuture<T>, FutureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let arrived = match self.deadline {
            None => self.arrivals.recv().ok(),
            Some(deadline) => self
                .arrivals
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .ok(),
        };
        match arrived {
            Some(index) => {
                self.left -= 1;
                Some(Ok(self.futures[index].clone()))
            }
            None => {
                self.left = 0;
                Some(Err(FutureError::Timeout))
            }
        }
    }
}

/// `wait`'s `return_when`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnWhen {
    /// `FIRST_COMPLETED`: as soon as any future is done.
    FirstCompleted,
    /// `FIRST_EXCEPTION`: as soon as any future fails (cancelled ones do not count), or all are
    /// done.
    FirstException,
    /// `ALL_COMPLETED`.
    AllCompleted,
}

/// What [`wait`] returns: `DoneAndNotDoneFutures(done, not_done)`, as positions in the list
/// given to `wait` (Python returns two sets of futures; positions say the same and sort).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DoneAndNotDone {
    pub done: BTreeSet<usize>,
    pub not_done: BTreeSet<usize>,
}

/// `concurrent.futures.wait(fs, timeout, return_when)`: waits until `return_when` holds or
/// `timeout` passes, and says which futures are done. It never cancels or raises.
pub fn wait<T: 'static>(
    futures: &[TaskFuture<T>],
    timeout: Option<Duration>,
    return_when: ReturnWhen,
) -> DoneAndNotDone {
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut done = BTreeSet::new();
    let completions = as_completed(futures, None);
    while !satisfied(futures, &done, return_when) {
        let arrived = match deadline {
            None => completions.arrivals.recv().ok(),
            Some(deadline) => completions
                .arrivals
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .ok(),
        };
        match arrived {
            Some(index) => done.insert(index),
            None => break,
        };
    }
    // As CPython does, the answer is every future done by now, not only those heard about.
    let (done, not_done) = (0..futures.len()).partition(|&i| futures[i].done());
    DoneAndNotDone { done, not_done }
}

fn satisfied<T>(futures: &[TaskFuture<T>], done: &BTreeSet<usize>, when: ReturnWhen) -> bool {
    let all = done.len() == futures.len();
    match when {
        ReturnWhen::AllCompleted => all,
        ReturnWhen::FirstCompleted => all || !done.is_empty(),
        ReturnWhen::FirstException => all || done.iter().any(|&i| failed(&futures[i])),
    }
}

/// Done with an error of the task's own (or a broken worker): not cancelled, not a success.
fn failed<T>(future: &TaskFuture<T>) -> bool {
    matches!(future.exception(Some(Duration::ZERO)), Ok(Some(_)))
}
