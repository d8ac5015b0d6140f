//! Experiment `locks`: `Lock` and `RLock` → `Mutex`. A thread that locks twice, and two threads
//! that take two locks in opposite orders, then in one order.
//!
//! Python twin: `python/locks.py`. Example files: `11_mutex_relock.rs`, `12_deadlock.rs`,
//! `13_lock_order.rs`.

use std::time::Duration;

use lesson_kit::report::format_seconds;
use lesson_kit::{Claim, Figure, Outcome, Run, Source, Trace, Verdict, stopwatch};
use serde::Serialize;

use super::{LessonError, Settings};
use crate::locking::{self, Took};

/// How long each thread holds its first lock before it asks for the second.
pub const HOLD: Duration = Duration::from_millis(50);
/// How long a thread waits for its second lock before it gives up.
pub const TIMEOUT: Duration = Duration::from_millis(200);

/// Two threads, two locks, in one order or in opposite orders.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TwoLocks {
    pub took: [Took; 2],
    pub wall_s: f64,
}

impl TwoLocks {
    /// Threads that gave up waiting.
    pub fn gave_up(&self) -> u64 {
        self.took.iter().filter(|t| **t == Took::GaveUp).count() as u64
    }
}

#[derive(Debug, Serialize)]
pub struct Figures {
    /// `try_lock` on a `Mutex` the thread already holds said it would block.
    pub relock_would_block: bool,
    pub hold_s: f64,
    pub timeout_s: f64,
    pub opposite: TwoLocks,
    pub one_order: TwoLocks,
    /// The opposite orders, then one order, on the same lanes.
    pub trace: Trace,
}

pub fn measure(_settings: &Settings) -> Result<Figures, LessonError> {
    let trace = Trace::new();
    let mut offset_s = 0.0;
    let mut run = |opposite: bool| {
        let this_run = Trace::new();
        let (took, time) = stopwatch(|| locking::two_locks(opposite, HOLD, TIMEOUT, &this_run));
        trace.absorb(&this_run.snapshot(), offset_s);
        offset_s += time.wall.as_secs_f64();
        TwoLocks {
            took,
            wall_s: time.wall.as_secs_f64(),
        }
    };
    let opposite = run(true);
    let one_order = run(false);
    Ok(Figures {
        relock_would_block: locking::relock_would_block(),
        hold_s: HOLD.as_secs_f64(),
        timeout_s: TIMEOUT.as_secs_f64(),
        opposite,
        one_order,
        trace,
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let (opposite, one_order) = (figures.opposite.gave_up(), figures.one_order.gave_up());
    Outcome::new(
        "locks",
        "Lock and RLock → Mutex: locking twice, and deadlock",
    )
    .intro(
        "First one thread locks a `Mutex` and asks for it again with `try_lock`, which answers \
         instead of waiting: what would `lock()` do?",
    )
    .intro(format!(
        "Then two threads and two locks: each takes its first lock, holds it for {}, and asks \
         for the second, giving up after {} (Python's `lock.acquire(timeout=…)`; std's `Mutex` \
         would wait forever). Once in opposite orders, once in one order.",
        format_seconds(figures.hold_s),
        format_seconds(figures.timeout_s)
    ))
    .run(row("opposite orders", &figures.opposite))
    .run(row("one order", &figures.one_order))
    .trace(figures.trace.clone())
    .finding(if figures.relock_would_block {
        "Locking a held Mutex again would block: the thread would wait for itself forever. \
         Python's Lock does the same; an RLock would let it in."
    } else {
        "try_lock on a held Mutex did not say it would block."
    })
    .finding(format!(
        "In opposite orders, {opposite} of 2 threads gave up: each held the lock the other \
         wanted, and both waited until the timeout (the idle stretch on the timeline). Without \
         a timeout that wait never ends."
    ))
    .finding(format!(
        "In one order, {one_order} gave up: the second thread waited for the first lock, then \
         took both."
    ))
    .claim(relock_claim(figures))
    .claim(lock_order_claim(figures))
}

fn row(label: &str, two: &TwoLocks) -> Run {
    Run::new(label, Duration::from_secs_f64(two.wall_s))
        .figure("gave up", Figure::Count(two.gave_up()))
        .figure("finished", Figure::Count(2 - two.gave_up()))
}

fn relock_claim(figures: &Figures) -> Claim {
    let would_block = figures.relock_would_block;
    Claim::new(
        "A Rust Mutex is not re-entrant: a thread that locks it twice waits for itself.",
        Source::link(
            "Rust std docs, Mutex::lock",
            "https://doc.rust-lang.org/std/sync/struct.Mutex.html#method.lock",
        ),
    )
    .measured(format!(
        "try_lock on the held Mutex: {}.",
        if would_block {
            "would block"
        } else {
            "did not block"
        }
    ))
    .verdict(if would_block {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    })
}

/// Counted: a thread that gave up in opposite orders and none in one order holds it; one that
/// gave up in one order does not; none giving up in either proves nothing.
fn lock_order_claim(figures: &Figures) -> Claim {
    let (opposite, one_order) = (figures.opposite.gave_up(), figures.one_order.gave_up());
    let claim = Claim::new(
        "Two threads that take two locks in opposite orders can deadlock; taking them in one \
         agreed order cannot.",
        Source::link(
            "the Rust Book, 16.3",
            "https://doc.rust-lang.org/book/ch16-03-shared-state.html",
        ),
    )
    .measured(format!(
        "Opposite orders: {opposite} of 2 threads gave up after {}; one order: {one_order}.",
        format_seconds(figures.timeout_s)
    ));
    match (opposite, one_order) {
        (1.., 0) => claim.verdict(Verdict::Holds),
        (_, 1..) => claim.verdict(Verdict::DoesNotHold),
        // The threads did not interleave badly this time: no proof either way.
        (0, 0) => {
            claim.unclear("the opposite orders did not meet this time (a thread started late)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Took::{Both, GaveUp};

    fn two(took: [Took; 2]) -> TwoLocks {
        TwoLocks { took, wall_s: 0.25 }
    }

    fn figures(opposite: [Took; 2], one_order: [Took; 2]) -> Figures {
        Figures {
            relock_would_block: true,
            hold_s: 0.05,
            timeout_s: 0.2,
            opposite: two(opposite),
            one_order: two(one_order),
            trace: Trace::virtual_time(),
        }
    }

    #[test]
    fn a_timeout_in_opposite_orders_and_none_in_one_order_hold_both_claims() {
        let outcome = report(&figures([GaveUp, Both], [Both, Both]));
        let verdicts: Vec<_> = outcome.claims.iter().map(|c| c.verdict).collect();
        assert_eq!(verdicts, [Verdict::Holds, Verdict::Holds]);
        let row = outcome.find_run("opposite orders").expect("the row");
        assert_eq!(row.get("gave up").and_then(Figure::as_f64), Some(1.0));
    }

    #[test]
    fn no_meeting_is_unclear_and_a_timeout_in_one_order_does_not_hold() {
        let missed = report(&figures([Both, Both], [Both, Both]));
        assert_eq!(missed.claims[1].verdict, Verdict::Unclear);
        let broken = report(&figures([GaveUp, GaveUp], [GaveUp, Both]));
        assert_eq!(broken.claims[1].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_mutex_that_let_its_holder_in_again_does_not_hold() {
        let mut figures = figures([GaveUp, Both], [Both, Both]);
        figures.relock_would_block = false;
        assert_eq!(report(&figures).claims[0].verdict, Verdict::DoesNotHold);
    }
}
