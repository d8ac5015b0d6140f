//! # futures-1: `as_completed` from `submit` and done-callbacks
//!
//! `concurrent.futures.as_completed(futures)` hands over each future as soon as it is done,
//! whatever order they were submitted in. The lesson has one (`futures_api::as_completed`); write
//! your own, with nothing but what every future offers: `add_done_callback`, which runs a callback
//! once the future is done (finished, failed or cancelled; at once if it already is).
//!
//! - every future comes out exactly once, in the order they became done;
//! - a future that is already done comes out without waiting;
//! - a cancelled future counts as done (CPython once forgot that, and `as_completed` waited forever
//!   for futures cancelled at shutdown: cpython#87893);
//! - it returns the futures' positions in `futures`, not the futures.
//!
//! Check it: `cargo run -p exercise-check -- check futures-1`.
//! Stuck? `cargo run -p exercise-check -- hint futures-1` gives one more hint each time you ask.

use std::sync::mpsc;

use futures_api::TaskFuture;

/// The positions of `futures`, in the order the futures became done. Blocks until all are.
pub fn completion_order<T: 'static>(futures: &[TaskFuture<T>]) -> Vec<usize> {
    // TODO: give each future a done-callback that sends its position down a channel, then
    // receive one position per future.
    todo!("the order in which {} futures finish", futures.len())
}
