//! The checks of futures-1, shared by `exercises` and `solutions`.
//!
//! The futures are finished by hand (`set_outcome`, `cancel`) in an order the check chooses, each
//! after the previous one's position was received: no sleeping, no luck.

use std::time::Duration;

use futures_api::{FutureError, TaskFuture};

use crate::harness::Check;
use crate::target::futures_1::as_completed;

pub const CHECKS: &[Check] = &[
    Check {
        name: "futures_come_out_in_the_order_they_finish",
        run: futures_come_out_in_the_order_they_finish,
    },
    Check {
        name: "futures_already_done_come_out_without_waiting",
        run: futures_already_done_come_out_without_waiting,
    },
    Check {
        name: "a_cancelled_future_counts_as_done",
        run: a_cancelled_future_counts_as_done,
    },
];

/// Far above what receiving one position needs: a position that never comes fails the check.
const WAIT: Duration = Duration::from_secs(5);

fn futures_come_out_in_the_order_they_finish() {
    let futures: Vec<TaskFuture<u32>> = (0..5).map(|_| TaskFuture::new()).collect();
    let completed = as_completed(&futures);
    for i in [3, 0, 4, 1, 2] {
        futures[i].set_outcome(Ok(i as u32));
        assert_eq!(
            completed.recv_timeout(WAIT),
            Ok(i),
            "future {i} has just finished: its position comes next"
        );
    }
    assert!(
        completed.recv_timeout(WAIT).is_err(),
        "after the last future the channel is closed, and nothing else arrives"
    );
}

fn futures_already_done_come_out_without_waiting() {
    let futures: Vec<TaskFuture<u32>> = (0..3).map(|_| TaskFuture::new()).collect();
    futures[2].set_outcome(Ok(2));
    futures[0].set_outcome(Err(FutureError::Failed("raised".into())));
    futures[1].set_outcome(Ok(1));
    let mut positions: Vec<usize> = as_completed(&futures).iter().collect();
    positions.sort();
    assert_eq!(
        positions,
        [0, 1, 2],
        "each done future once, failed ones too"
    );
}

fn a_cancelled_future_counts_as_done() {
    let futures: Vec<TaskFuture<u32>> = (0..2).map(|_| TaskFuture::new()).collect();
    let completed = as_completed(&futures);
    assert!(futures[1].cancel());
    assert_eq!(
        completed.recv_timeout(WAIT),
        Ok(1),
        "a cancelled future is done"
    );
    futures[0].set_outcome(Ok(0));
    assert_eq!(completed.recv_timeout(WAIT), Ok(0));
}
