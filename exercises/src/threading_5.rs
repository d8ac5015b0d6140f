//! # threading-5: fix a deadlock
//!
//! Each bank account has a lock of its own, so that transfers between other accounts can go on at
//! the same time. A transfer takes both accounts' locks, so that no thread ever sees the money in
//! neither account or in both. In Python:
//!
//! ```python
//! def transfer(source, target, amount):
//!     with source.lock:
//!         with target.lock:
//!             source.balance -= amount
//!             target.balance += amount
//! ```
//!
//! `transfer` below is that code, and it works, until two threads run `transfer(alice, bob, 3)`
//! and `transfer(bob, alice, 2)` at the same moment: the first takes Alice's lock, the second
//! Bob's, and each then waits for the lock the other holds, forever. That is a deadlock, in
//! Python and in Rust alike (the compiler prevents data races, not this). The checks run
//! transfers in both directions from several threads for two seconds, and stop waiting after six.
//!
//! Fix `transfer` so that it can never deadlock, however many threads move money between however
//! many accounts in whichever directions, and still changes both balances under both locks. A
//! transfer from an account to itself changes nothing, and must return too: std's `Mutex` is not
//! re-entrant (there is no `RLock`), so a thread that locks a mutex it already holds waits for
//! itself forever. This bank allows overdrafts: a transfer never fails. Every account has an `id`
//! of its own.
//!
//! Check it: `cargo run -p exercise-check -- check threading-5` (or `just check threading-5`).
//! Stuck? `cargo run -p exercise-check -- hint threading-5` gives one more hint each time you ask.

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
    // TODO: this takes the locks in the order of the arguments, so two threads transferring in
    // opposite directions each take one lock and wait for the other. Make every thread take any
    // two accounts' locks in the same order, whatever the direction of the transfer.
    let mut from_balance = from.balance.lock().unwrap();
    let mut to_balance = to.balance.lock().unwrap();
    *from_balance -= amount;
    *to_balance += amount;
}
