//! The checks of threading-5, shared by `exercises` and `solutions`.
//!
//! A deadlock cannot be seen, only waited for: the transfers run on threads of their own, and a
//! check that has not seen them end after [`LIMIT`] says that they deadlocked, and how far they got.
//! The threads run for two seconds ([`RUN_FOR`]) so that the unlucky moment, each thread holding
//! one lock and wanting the other, has millions of chances to come: it usually comes within
//! milliseconds.

use std::panic;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::Check;
use crate::target::threading_5::{Account, transfer};

pub const CHECKS: &[Check] = &[
    Check {
        name: "opposite_transfers_between_two_accounts_finish",
        run: opposite_transfers_between_two_accounts_finish,
    },
    Check {
        name: "transfers_among_four_accounts_finish_and_keep_the_total",
        run: transfers_among_four_accounts_finish_and_keep_the_total,
    },
    Check {
        name: "a_transfer_to_the_same_account_returns_and_changes_nothing",
        run: a_transfer_to_the_same_account_returns_and_changes_nothing,
    },
];

/// How long the threads keep transferring: millions of transfers, where the code with the deadlock
/// has never lasted more than a few hundred thousand, even on a busy machine.
const RUN_FOR: Duration = Duration::from_secs(2);

/// How long a check waits for its transfers to end before it calls them deadlocked.
const LIMIT: Duration = Duration::from_secs(6);

/// One transfer of a thread's plan, between accounts given by their place in the list.
#[derive(Debug, Clone, Copy)]
struct Move {
    from: usize,
    to: usize,
    amount: i64,
}

/// Runs `job` on a thread of its own and returns its result; a panic in it is passed on, and if it
/// has not finished after [`LIMIT`], the check fails with `explain()`.
fn finish_or_explain<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
    explain: impl FnOnce() -> String,
) -> T {
    let (done, finished) = mpsc::channel();
    let runner = thread::spawn(move || {
        let _ = done.send(job());
    });
    match finished.recv_timeout(LIMIT) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Disconnected) => match runner.join() {
            Err(panic) => panic::resume_unwind(panic),
            Ok(()) => unreachable!("the runner sends its result before it ends"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{}", explain()),
    }
}

/// Accounts with the given balances and ids in the opposite order to the list's, so that the order
/// of the ids is not the order of anything else.
fn accounts(balances: &[i64]) -> Arc<Vec<Account>> {
    let count = balances.len() as u32;
    Arc::new(
        balances
            .iter()
            .zip(0..)
            .map(|(&balance, place)| Account::new(100 + count - place, balance))
            .collect(),
    )
}

/// Runs each plan on a thread of its own, all starting together, each repeating its moves for
/// [`RUN_FOR`]; then checks every balance against what the completed moves must have left.
fn run_plans(balances: &[i64], plans: Vec<Vec<Move>>) {
    let accounts = accounts(balances);
    let done = Arc::new(AtomicUsize::new(0));
    let changes = finish_or_explain(
        {
            let (accounts, done) = (Arc::clone(&accounts), Arc::clone(&done));
            move || run_together(&accounts, &plans, &done)
        },
        || {
            format!(
                "the transfers stopped after {} of them and had not ended after {LIMIT:?}: a \
                 deadlock, each of two threads holding one account's lock and waiting for the \
                 other's",
                done.load(Ordering::SeqCst)
            )
        },
    );
    let total_before: i64 = balances.iter().sum();
    let total_after: i64 = accounts.iter().map(Account::balance).sum();
    assert_eq!(
        total_after, total_before,
        "the bank held {total_before} before the transfers and {total_after} after"
    );
    for (place, account) in accounts.iter().enumerate() {
        let expected = balances[place] + changes[place];
        assert_eq!(
            account.balance(),
            expected,
            "account {} should hold {expected} after the transfers, and holds {}",
            account.id(),
            account.balance()
        );
    }
}

/// The threads of [`run_plans`]: returns how much each account's balance changed, by place.
fn run_together(accounts: &[Account], plans: &[Vec<Move>], done: &AtomicUsize) -> Vec<i64> {
    let start = Barrier::new(plans.len());
    let until = Instant::now() + RUN_FOR;
    let mut changes = vec![0; accounts.len()];
    thread::scope(|scope| {
        let threads: Vec<_> = plans
            .iter()
            .map(|plan| {
                let start = &start;
                scope.spawn(move || {
                    let mut changes = vec![0; accounts.len()];
                    start.wait();
                    while Instant::now() < until {
                        for step in plan {
                            transfer(&accounts[step.from], &accounts[step.to], step.amount);
                            changes[step.from] -= step.amount;
                            changes[step.to] += step.amount;
                            done.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    changes
                })
            })
            .collect();
        for thread in threads {
            let theirs = thread.join().expect("a transferring thread panicked");
            for (total, change) in changes.iter_mut().zip(theirs) {
                *total += change;
            }
        }
    });
    changes
}

fn opposite_transfers_between_two_accounts_finish() {
    let alice_to_bob = Move {
        from: 0,
        to: 1,
        amount: 3,
    };
    let bob_to_alice = Move {
        from: 1,
        to: 0,
        amount: 2,
    };
    run_plans(
        &[1_000, 1_000],
        vec![
            vec![alice_to_bob],
            vec![bob_to_alice],
            vec![alice_to_bob],
            vec![bob_to_alice],
        ],
    );
}

fn transfers_among_four_accounts_finish_and_keep_the_total() {
    // Each thread moves money between every pair of the four accounts, in both directions, each
    // starting at a different pair: cycles of three and four threads can wait for each other too.
    let pairs: Vec<(usize, usize)> = (0..4)
        .flat_map(|from| (0..4).map(move |to| (from, to)))
        .filter(|(from, to)| from != to)
        .collect();
    let plans = (0..4)
        .map(|thread| {
            (0..pairs.len())
                .map(|step| {
                    let (from, to) = pairs[(step * 5 + thread * 3) % pairs.len()];
                    Move {
                        from,
                        to,
                        amount: (step % 4) as i64 + 1,
                    }
                })
                .collect()
        })
        .collect();
    run_plans(&[500, 400, 300, 200], plans);
}

fn a_transfer_to_the_same_account_returns_and_changes_nothing() {
    let balance = finish_or_explain(
        || {
            let account = Account::new(7, 100);
            transfer(&account, &account, 40);
            account.balance()
        },
        || {
            format!(
                "transfer(account, account, 40) had not returned after {LIMIT:?}: it locks the \
                 same Mutex twice, and std's Mutex is not re-entrant (not an RLock)"
            )
        },
    );
    assert_eq!(
        balance, 100,
        "a transfer from an account to itself must leave its balance as it was"
    );
}
