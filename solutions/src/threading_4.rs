//! # threading-4: a pipeline that keeps at most K items waiting (a model answer)
//!
//! See `exercises/src/threading_4.rs` for the task.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::thread;

/// The shape of a pipeline: how many threads on each side, and how many items may wait between.
#[derive(Debug, Clone, Copy)]
pub struct Pipeline {
    /// How many threads call `make` and send.
    pub producers: usize,
    /// How many threads receive and call `process`.
    pub consumers: usize,
    /// How many items may wait in the channel: `queue.Queue(maxsize=capacity)`.
    pub capacity: usize,
}

impl Pipeline {
    /// Makes the items `make(0)`, …, `make(count - 1)` on the producer threads, processes each on
    /// a consumer thread, and returns the results of `process`, in any order.
    pub fn run<T, R>(
        &self,
        count: usize,
        make: impl Fn(usize) -> T + Sync,
        process: impl Fn(T) -> R + Sync,
    ) -> Vec<R>
    where
        T: Send,
        R: Send,
    {
        // `send` blocks while `capacity` items wait: the backpressure. `mpsc::channel()` would let
        // the producers run arbitrarily far ahead of the consumers.
        let (send, receive) = mpsc::sync_channel(self.capacity.max(1));
        // std's `Receiver` has one owner; the consumers take turns at it through a lock.
        let receive = Mutex::new(receive);
        // The next number nobody has made yet, handed to exactly one producer by `fetch_add`.
        let next = AtomicUsize::new(0);
        let (make, process) = (&make, &process);

        thread::scope(|scope| {
            for _ in 0..self.producers.max(1) {
                let (send, next) = (send.clone(), &next);
                scope.spawn(move || {
                    loop {
                        let number = next.fetch_add(1, Ordering::Relaxed);
                        if number >= count {
                            break;
                        }
                        // Fails only if every consumer is gone (one panicked): stop making then.
                        if send.send(make(number)).is_err() {
                            break;
                        }
                    }
                    // This producer's `send` clone is dropped here, when it has nothing left.
                });
            }
            // The original `Sender` sends nothing: drop it now, or the consumers would wait for
            // it forever and this scope would never end.
            drop(send);

            let consumers: Vec<_> = (0..self.consumers.max(1))
                .map(|_| {
                    let receive = &receive;
                    scope.spawn(move || {
                        let mut results = Vec::new();
                        loop {
                            // The lock is held while waiting for an item, not while processing it:
                            // the guard is dropped at the end of this statement.
                            let item = receive.lock().unwrap().recv();
                            // `Err` once every `Sender` is dropped and the channel is empty.
                            let Ok(item) = item else { break };
                            results.push(process(item));
                        }
                        results
                    })
                })
                .collect();
            consumers
                .into_iter()
                .flat_map(|consumer| consumer.join().expect("a consumer thread panicked"))
                .collect()
        })
    }
}
