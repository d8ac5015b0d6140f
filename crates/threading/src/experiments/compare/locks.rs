//! `locks` beside `python/locks.py`: a holder asking for its own lock again (CPython's `Lock` and
//! `RLock`, Rust's `Mutex`), then two threads taking two locks in opposite orders and in one
//! order, each giving up on its second lock after the same timeout, in turns. The figures are
//! counts: who got the lock again, who gave up waiting.

use std::collections::BTreeMap;

use anyhow::Context as _;
use lesson_kit::report::format_seconds;
use lesson_kit::{
    Claim, Figure, Outcome, Run, Samples, Source, Timing, Trace, Twins, Unit, Verdict, alternate,
    stopwatch,
};
use serde::{Deserialize, Serialize};

use crate::experiments::Settings;
use crate::experiments::locks::{HOLD, TIMEOUT};
use crate::locking::{self, Took};

/// What `python/locks.py` prints.
#[derive(Debug, Deserialize)]
struct Twin {
    lock_taken_twice: bool,
    rlock_taken_twice: bool,
    /// How each thread ended, by its name: `"both"` or `"gave up"`.
    opposite_orders: BTreeMap<String, String>,
    opposite_s: f64,
    one_order: BTreeMap<String, String>,
    one_order_s: f64,
}

/// One round of one language.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Round {
    /// Whether the holder of a plain lock (`Lock`, `Mutex`) got it again.
    pub lock_taken_twice: bool,
    /// Whether the holder of an `RLock` got it again; `None` in Rust, whose std has no
    /// re-entrant lock (the lesson's answer is to lock once, at the edge).
    pub rlock_taken_twice: Option<bool>,
    /// Threads, of two, that gave up waiting for their second lock.
    pub gave_up_opposite: u64,
    pub gave_up_one_order: u64,
    pub opposite_s: f64,
    pub one_order_s: f64,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub hold_s: f64,
    pub timeout_s: f64,
    pub cpython: Vec<Round>,
    pub rust: Vec<Round>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let python = || -> anyhow::Result<Round> {
        let twin: Twin = twins.run("locks.py", &[])?;
        let gave_up = |ended: &BTreeMap<String, String>| {
            ended.values().filter(|how| *how == "gave up").count() as u64
        };
        Ok(Round {
            lock_taken_twice: twin.lock_taken_twice,
            rlock_taken_twice: Some(twin.rlock_taken_twice),
            gave_up_opposite: gave_up(&twin.opposite_orders),
            gave_up_one_order: gave_up(&twin.one_order),
            opposite_s: twin.opposite_s,
            one_order_s: twin.one_order_s,
        })
    };
    let rust = || -> anyhow::Result<Round> {
        let two_locks = |opposite| {
            let (took, time) =
                stopwatch(|| locking::two_locks(opposite, HOLD, TIMEOUT, &Trace::new()));
            let gave_up = took.iter().filter(|t| **t == Took::GaveUp).count() as u64;
            (gave_up, time.wall.as_secs_f64())
        };
        let (gave_up_opposite, opposite_s) = two_locks(true);
        let (gave_up_one_order, one_order_s) = two_locks(false);
        Ok(Round {
            lock_taken_twice: !locking::relock_would_block(),
            rlock_taken_twice: None,
            gave_up_opposite,
            gave_up_one_order,
            opposite_s,
            one_order_s,
        })
    };
    let [cpython, rust] = alternate(settings.repeat, [&mut || python(), &mut || rust()]);
    Ok(Figures {
        python: twins.version.clone(),
        hold_s: HOLD.as_secs_f64(),
        timeout_s: TIMEOUT.as_secs_f64(),
        cpython: cpython
            .into_iter()
            .collect::<anyhow::Result<_>>()
            .context("python/locks.py")?,
        rust: rust.into_iter().collect::<anyhow::Result<_>>()?,
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let languages = [("CPython", &figures.cpython), ("Rust", &figures.rust)];
    let outcome = Outcome::new("compare-locks", "Locks: CPython beside Rust").intro(format!(
        "A thread asks for a lock it already holds, without waiting; then two threads take two \
         locks in opposite orders and in one order, holding the first for {} and giving up on \
         the second after {}. {} runs python/locks.py, in turns with the Rust version.",
        format_seconds(figures.hold_s),
        format_seconds(figures.timeout_s),
        figures.python
    ));
    languages
        .into_iter()
        .flat_map(|(language, rounds)| rows(language, rounds))
        .fold(outcome, Outcome::run)
        .finding(format!(
            "Asked again by its holder: CPython's Lock {}, its RLock {}; Rust's Mutex {}.",
            in_words(figures.cpython.iter().map(|r| r.lock_taken_twice)),
            in_words(figures.cpython.iter().filter_map(|r| r.rlock_taken_twice)),
            in_words(figures.rust.iter().map(|r| r.lock_taken_twice)),
        ))
        .finding(format!(
            "Threads that gave up waiting, of 2: in opposite orders {} on CPython and {} in \
             Rust; in one order {} and {}.",
            gave_up(&figures.cpython, |r| r.gave_up_opposite),
            gave_up(&figures.rust, |r| r.gave_up_opposite),
            gave_up(&figures.cpython, |r| r.gave_up_one_order),
            gave_up(&figures.rust, |r| r.gave_up_one_order),
        ))
        .claim(reentrant_claim(figures))
        .claim(lock_order_claim(figures))
}

/// Two rows per language: the opposite orders, then one order, with who gave up.
fn rows(language: &str, rounds: &[Round]) -> [Run; 2] {
    let row = |order: &str, seconds: fn(&Round) -> f64, gave_up_of: fn(&Round) -> u64| {
        let timing = Timing::wall_seconds(rounds.iter().map(seconds));
        Run::timed(format!("{language}: {order}"), &timing)
            .figure("gave up", Figure::Spread(gave_up(rounds, gave_up_of)))
    };
    [
        row("opposite orders", |r| r.opposite_s, |r| r.gave_up_opposite),
        row("one order", |r| r.one_order_s, |r| r.gave_up_one_order),
    ]
}

fn gave_up(rounds: &[Round], count: fn(&Round) -> u64) -> Samples {
    Samples::new(Unit::Count, rounds.iter().map(|r| count(r) as f64))
}

/// "let it in" when every round did, "kept it out" when none did, else both, counted.
fn in_words(taken: impl Iterator<Item = bool>) -> String {
    let taken: Vec<bool> = taken.collect();
    let let_in = taken.iter().filter(|t| **t).count();
    match let_in {
        0 => "kept it out".into(),
        n if n == taken.len() => "let it in".into(),
        n => format!("let it in {n} times of {}", taken.len()),
    }
}

/// Counted, on CPython: the Lock kept its holder out and the RLock let it in, every round.
fn reentrant_claim(figures: &Figures) -> Claim {
    let rounds = &figures.cpython;
    let lock_refused = rounds.iter().all(|r| !r.lock_taken_twice);
    let rlock_let_in = rounds.iter().all(|r| r.rlock_taken_twice == Some(true));
    Claim::new(
        "A `threading.Lock` is not re-entrant: a thread that holds it and asks again waits for \
         itself. An `RLock` lets its holder in again.",
        Source::link(
            "Python docs, RLock objects",
            "https://docs.python.org/3/library/threading.html#rlock-objects",
        ),
    )
    .measured(format!(
        "{}: the Lock {}, the RLock {}, asked without waiting.",
        figures.python,
        in_words(rounds.iter().map(|r| r.lock_taken_twice)),
        in_words(rounds.iter().filter_map(|r| r.rlock_taken_twice)),
    ))
    .verdict(if lock_refused && rlock_let_in && !rounds.is_empty() {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    })
}

/// Counted, on CPython: a thread gave up in opposite orders and none in one order holds it; one
/// that gave up in one order does not; none giving up in opposite orders proves nothing.
fn lock_order_claim(figures: &Figures) -> Claim {
    let opposite = gave_up(&figures.cpython, |r| r.gave_up_opposite);
    let one_order = gave_up(&figures.cpython, |r| r.gave_up_one_order);
    let claim = Claim::new(
        "Two threads that take two locks in opposite orders can deadlock; taking them in one \
         agreed order cannot.",
        Source::link(
            "Python docs, Lock.acquire",
            "https://docs.python.org/3/library/threading.html#threading.Lock.acquire",
        ),
    )
    .measured(format!(
        "{}: {opposite} of 2 threads gave up in opposite orders, {one_order} in one order.",
        figures.python
    ));
    match (opposite.min() > 0.0, one_order.max() > 0.0) {
        (_, true) => claim.verdict(Verdict::DoesNotHold),
        (true, false) => claim.verdict(Verdict::Holds),
        (false, false) => {
            claim.unclear("the opposite orders did not always meet (a thread started late)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(lock_taken_twice: bool, opposite: u64, one_order: u64) -> Round {
        Round {
            lock_taken_twice,
            rlock_taken_twice: Some(true),
            gave_up_opposite: opposite,
            gave_up_one_order: one_order,
            opposite_s: 0.25,
            one_order_s: 0.11,
        }
    }

    fn figures(cpython: Vec<Round>) -> Figures {
        let rust = Round {
            rlock_taken_twice: None,
            ..round(false, 1, 0)
        };
        Figures {
            python: "Python 3.11.7".into(),
            hold_s: 0.05,
            timeout_s: 0.2,
            cpython,
            rust: vec![rust.clone(), rust],
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn a_lock_that_keeps_its_holder_out_and_a_deadlock_in_opposite_orders_hold_both() {
        let outcome = report(&figures(vec![round(false, 1, 0), round(false, 2, 0)]));
        assert_eq!(verdicts(&outcome), [Verdict::Holds, Verdict::Holds]);
        assert_eq!(outcome.runs.len(), 4);
        assert!(outcome.findings[0].contains("Lock kept it out, its RLock let it in"));
        let row = outcome
            .find_run("Rust: opposite orders")
            .expect("a Rust row");
        assert!(row.get("gave up").is_some());
    }

    #[test]
    fn a_lock_that_let_its_holder_in_once_does_not_hold() {
        let outcome = report(&figures(vec![round(false, 1, 0), round(true, 1, 0)]));
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
        assert!(
            outcome.claims[0]
                .measured
                .contains("let it in 1 times of 2")
        );
    }

    #[test]
    fn a_thread_that_gave_up_in_one_order_does_not_hold_and_no_meeting_is_unclear() {
        let one_order = report(&figures(vec![round(false, 1, 1)]));
        assert_eq!(one_order.claims[1].verdict, Verdict::DoesNotHold);
        let no_meeting = report(&figures(vec![round(false, 1, 0), round(false, 0, 0)]));
        assert_eq!(no_meeting.claims[1].verdict, Verdict::Unclear);
    }

    #[test]
    fn counted_verdicts_stand_on_a_busy_machine() {
        let outcome =
            report(&figures(vec![round(false, 1, 0)])).on_busy_machine("load 4.0 on 2 cores");
        assert_eq!(verdicts(&outcome), [Verdict::Holds, Verdict::Holds]);
    }

    #[test]
    fn a_twin_that_leaves_out_a_figure_is_an_error_that_names_it() {
        let json = r#"{"lock_taken_twice": false, "rlock_taken_twice": true,
            "opposite_orders": {}, "opposite_s": 0.2, "one_order": {}}"#;
        let error = serde_json::from_str::<Twin>(json).expect_err("one_order_s is missing");
        assert!(error.to_string().contains("one_order_s"), "{error}");
    }
}
