//! The checks of futures-1, shared by `exercises` and `solutions`.
//!
//! The futures are finished by hand (`set_outcome`, `cancel`) from another thread, in an order the
//! check chooses, each after the previous one was seen: no sleeping, no luck.

use std::sync::mpsc;
use std::thread;

use futures_api::{FutureError, TaskFuture};

use crate::harness::Check;
use crate::target::futures_1::completion_order;

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

fn futures_come_out_in_the_order_they_finish() {
    let futures: Vec<TaskFuture<u32>> = (0..5).map(|_| TaskFuture::new()).collect();
    let finish_order = [3, 0, 4, 1, 2];
    let finisher = {
        let futures = futures.clone();
        thread::spawn(move || {
            for i in finish_order {
                futures[i].set_outcome(Ok(i as u32));
            }
        })
    };
    let order = completion_order(&futures);
    finisher.join().expect("the finisher thread ends");
    assert_eq!(
        order, finish_order,
        "the positions, in the order the futures finished"
    );
}

fn futures_already_done_come_out_without_waiting() {
    let futures: Vec<TaskFuture<u32>> = (0..3).map(|_| TaskFuture::new()).collect();
    futures[2].set_outcome(Ok(2));
    futures[0].set_outcome(Err(FutureError::Failed("raised".into())));
    futures[1].set_outcome(Ok(1));
    let mut order = completion_order(&futures);
    order.sort();
    assert_eq!(order, [0, 1, 2], "each done future once, failed ones too");
}

fn a_cancelled_future_counts_as_done() {
    let futures: Vec<TaskFuture<u32>> = (0..2).map(|_| TaskFuture::new()).collect();
    let (started, go) = mpsc::channel::<()>();
    let finisher = {
        let futures = futures.clone();
        thread::spawn(move || {
            let _ = go.recv();
            futures[1].cancel();
            futures[0].set_outcome(Ok(0));
        })
    };
    let _ = started.send(());
    let order = completion_order(&futures);
    finisher.join().expect("the finisher thread ends");
    assert_eq!(
        order,
        [1, 0],
        "the cancelled future is done first, then the finished one"
    );
}
