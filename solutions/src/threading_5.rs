//! # threading-5: fix a deadlock (a model answer)
//!
//! See `exercises/src/threading_5.rs` for the task.

use std::sync::Mutex;

/// A bank account: its balance, behind a lock of its own.
#[derive(Debug)]
pub struct Account {
    /// No two accounts have the same id.
    id: u32,
    balance: Mutex<i64>,
}

impl Account {
    pub fn new(id: u32, balance: i64) -> Self {
        Self {
            id,
            balance: Mutex::new(balance),
        }
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    /// The balance now.
    pub fn balance(&self) -> i64 {
        *self.balance.lock().unwrap()
    }
}

/// Moves `amount` from `from` to `to`, holding both accounts' locks while it changes them.
pub fn transfer(from: &Account, to: &Account, amount: i64) {
    // One lock, taken twice by this thread, would wait for itself: std's `Mutex` is not an `RLock`.
    if from.id == to.id {
        return;
    }
    // One global order, the order of the ids: every thread that needs two accounts takes the
    // lower id first, so no thread can hold the higher one while it waits for the lower one, and
    // no cycle of threads waiting for each other can form.
    let (mut from_balance, mut to_balance);
    if from.id < to.id {
        from_balance = from.balance.lock().unwrap();
        to_balance = to.balance.lock().unwrap();
    } else {
        to_balance = to.balance.lock().unwrap();
        from_balance = from.balance.lock().unwrap();
    }
    *from_balance -= amount;
    *to_balance += amount;
}
