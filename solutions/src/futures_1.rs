//! # futures-1: `as_completed` from `submit` and done-callbacks (model answer)
//!
//! Each future's callback sends its position down one channel; the caller receives one position
//! per future. A callback runs on every way of becoming done, cancellation included, so nothing
//! is missed, and a future already done runs its callback at once.

use std::sync::mpsc;

use futures_api::TaskFuture;

/// The positions of `futures`, in the order the futures became done. Blocks until all are.
pub fn completion_order<T: 'static>(futures: &[TaskFuture<T>]) -> Vec<usize> {
    let (done, arrivals) = mpsc::channel();
    for (position, future) in futures.iter().enumerate() {
        let done = done.clone();
        future.add_done_callback(move |_| {
            let _ = done.send(position);
        });
    }
    // Only the callbacks hold senders now: `take` stops after the last future in any case.
    drop(done);
    arrivals.iter().take(futures.len()).collect()
}
