//! # futures-1: `as_completed` from `submit` and done-callbacks
//!
//! `concurrent.futures.as_completed(futures)` hands over each future as soon as it is done,
//! whatever order they were submitted in. The lesson has one (`futures_api::as_completed`); write
//! your own, with nothing but what every future offers: `add_done_callback`, which runs a callback
//! once the future is done (finished, failed or cancelled; at once if it already is).
//!
//! `as_completed(futures)` returns at once, and from then on its channel receives the position of
//! each future (its index in `futures`) as soon as that future is done:
//!
//! - every position arrives exactly once, in the order the futures became done;
//! - a future that is already done arrives without waiting;
//! - a cancelled future counts as done (CPython once forgot that, and `as_completed` waited forever
//!   for futures cancelled at shutdown: cpython#87893);
//! - once every position has arrived, the channel is closed (`recv` returns `Err`), so that a
//!   `for position in as_completed(&futures)` loop ends by itself.
//!
//! Check it: `cargo run -p exercise-check -- check futures-1`.
//! Stuck? `cargo run -p exercise-check -- hint futures-1` gives one more hint each time you ask.

use std::sync::mpsc;

use futures_api::TaskFuture;

/// A channel that receives the position of each future of `futures` as it becomes done.
pub fn as_completed<T: 'static>(futures: &[TaskFuture<T>]) -> mpsc::Receiver<usize> {
    // TODO: make a channel; give each future a done-callback that sends its position down a
    // clone of the sender; return the receiver.
    todo!("a channel for {} futures", futures.len())
}
