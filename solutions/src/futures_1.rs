//! # futures-1: `as_completed` from `submit` and done-callbacks (model answer)
//!
//! Each future's callback sends its position down one channel, and the caller receives them. A callback runs on every way of becoming done, cancellation included, so nothing
//! is missed, and a future already done runs its callback at once.

use std::sync::mpsc;

use futures_api::TaskFuture;

/// A channel that receives the position of each future of `futures` as it becomes done.
pub fn as_completed<T: 'static>(futures: &[TaskFuture<T>]) -> mpsc::Receiver<usize> {
    let (done, arrivals) = mpsc::channel();
    for (position, future) in futures.iter().enumerate() {
        let done = done.clone();
        future.add_done_callback(move |_| {
            let _ = done.send(position);
        });
    }
    // Only the callbacks hold senders now, and each drops its own once it has run: after the
    // last future, the channel closes and the caller's loop ends.
    drop(done);
    arrivals
}
