//! A `Mutex` locked twice by one thread, and how to structure code so it never needs to.
//!
//! Python: a `threading.Lock` taken twice by one thread waits for itself forever; an `RLock`
//! lets the same thread in again. Rust's standard library has no re-entrant mutex: a second
//! `lock()` on a thread that holds the lock never returns (the docs say it "might panic or
//! deadlock"). `try_lock` asks without waiting, so this example can show it without hanging.
//!
//! Run it: `cargo run -p threading --example 11_mutex_relock`

use std::sync::{Mutex, TryLockError};

struct Account {
    balance: u64,
    history: Vec<String>,
}

// ANCHOR: relock
fn deposit(account: &Mutex<Account>, amount: u64) {
    let mut held = account.lock().unwrap();
    held.balance += amount;
    // A helper that locks again, as `log(account, ...)` would with an RLock
    // in Python:
    match account.try_lock() {
        Err(TryLockError::WouldBlock) => {
            println!("lock() here would wait for itself forever")
        }
        _ => println!("the mutex let its holder in again"),
    }
}
// ANCHOR_END: relock

// ANCHOR: restructure
/// Lock once, at the edge; helpers take the data the guard gives, never the
/// lock.
fn deposit_and_log(account: &Mutex<Account>, amount: u64) {
    let mut held = account.lock().unwrap();
    add(&mut held, amount);
}

fn add(account: &mut Account, amount: u64) {
    account.balance += amount;
    // No lock here: `&mut` proves we already hold it.
    log(account, format!("+{amount}"));
}

fn log(account: &mut Account, entry: String) {
    account.history.push(entry);
}
// ANCHOR_END: restructure

fn main() {
    let account = Mutex::new(Account {
        balance: 0,
        history: Vec::new(),
    });
    deposit(&account, 10);
    deposit_and_log(&account, 5);
    let account = account.into_inner().unwrap();
    println!("balance {}, history {:?}", account.balance, account.history);
}
