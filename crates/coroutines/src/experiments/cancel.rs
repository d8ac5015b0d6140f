//! Experiment `cancel`: dropping a future is cancelling it. A timeout and its cleanup, what each
//! handle does when dropped, and a read that loses data inside `select!`, with its fix.
//!
//! It runs on a paused clock: the scheduler is tokio's own, the time virtual, so the counts below
//! are the same on every machine and the whole experiment takes no time. Python twin:
//! `python/cancel.py`. Examples:
//! `05_timeout.rs`, `06_dropped_handles.rs`, `07_select_not_cancel_safe.rs`,
//! `08_select_cancel_safe.rs`.

use std::time::Duration;

use lesson_kit::{Claim, Outcome, Source, Verdict};
use serde::Serialize;

use super::{LessonError, Settings};
use crate::cancel::{
    HandleFates, Received, receive_frames, timeout_then_cleanup, what_handles_do_when_dropped,
};

pub const TIMEOUT_DOCS: Source = Source::link(
    "tokio::time::timeout docs",
    "https://docs.rs/tokio/latest/tokio/time/fn.timeout.html",
);
pub const HANDLES_ISSUE: Source = Source::link(
    "tokio#7222",
    "https://github.com/tokio-rs/tokio/issues/7222",
);
pub const SELECT_DOCS: Source = Source::link(
    "tokio::select! docs: cancellation safety",
    "https://docs.rs/tokio/latest/tokio/macro.select.html#cancellation-safety",
);

/// The sizes of the `select!` loop: frames sent, the gap between their halves, the heartbeat.
pub const FRAMES: u32 = 20;
pub const GAP: Duration = Duration::from_millis(10);
pub const HEARTBEAT: Duration = Duration::from_millis(15);

#[derive(Debug, Serialize)]
pub struct Figures {
    /// What happened, in order, when a 1 s operation was given 100 ms.
    pub timeout_log: Vec<String>,
    pub fates: HandleFates,
    pub not_cancel_safe: Received,
    pub cancel_safe: Received,
}

pub fn measure(_settings: &Settings) -> Result<Figures, LessonError> {
    let runtime = crate::runtime::paused().map_err(LessonError::Runtime)?;
    Ok(runtime.block_on(async {
        Figures {
            timeout_log: timeout_then_cleanup(Duration::from_millis(100), Duration::from_secs(1))
                .await,
            fates: what_handles_do_when_dropped(Duration::from_millis(100)).await,
            not_cancel_safe: receive_frames(false, FRAMES, GAP, HEARTBEAT).await,
            cancel_safe: receive_frames(true, FRAMES, GAP, HEARTBEAT).await,
        }
    }))
}

pub fn report(figures: &Figures) -> Outcome {
    Outcome::new("cancel", "Cancelling: dropping a future")
        .intro(
            "On a paused clock (virtual time, tokio's own scheduler): a 1 s operation under a \
             100 ms `tokio::time::timeout`; three tasks let go of three ways; and a loop that \
             `select!`s between reading a two-part frame and a heartbeat.",
        )
        .finding(format!("The timeout, in order: {}.", figures.timeout_log.join(", then ")))
        .finding(format!(
            "Dropped JoinHandle: the task {}. Dropped JoinSet: the task {}. `abort()`: the task {}.",
            ran(figures.fates.join_handle_dropped),
            ran(figures.fates.join_set_dropped),
            ran(figures.fates.aborted)
        ))
        .finding(
            "Python's asyncio keeps only a weak reference to a task: one nobody holds may be \
             garbage-collected before it finishes (cpython#117379), so keep a reference or use a \
             TaskGroup. A detached tokio task belongs to the runtime and runs to its end.",
        )
        .finding(format!(
            "select! loop, {} frames: the not-cancel-safe read delivered {} whole and tore {}; \
             the cancel-safe one delivered {} whole and tore {} ({} heartbeats each way).",
            figures.not_cancel_safe.sent,
            figures.not_cancel_safe.whole,
            figures.not_cancel_safe.torn,
            figures.cancel_safe.whole,
            figures.cancel_safe.torn,
            figures.cancel_safe.heartbeats,
        ))
        .claim(timeout_claim(figures))
        .claim(handles_claim(figures))
        .claim(select_claim(figures))
}

fn ran(finished: bool) -> &'static str {
    if finished {
        "ran to its end"
    } else {
        "never finished"
    }
}

fn timeout_claim(figures: &Figures) -> Claim {
    let expected = ["cleanup ran (Drop)", "timed out"];
    Claim::new(
        "When the time is up, `timeout` drops the future: its cleanup (`Drop`, Python's `finally`) \
         runs before the caller hears of the timeout.",
        TIMEOUT_DOCS,
    )
    .measured(figures.timeout_log.join(", then "))
    .verdict(if figures.timeout_log == expected {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    })
}

fn handles_claim(figures: &Figures) -> Claim {
    let fates = figures.fates;
    Claim::new(
        "A dropped `JoinHandle` detaches its task; a dropped `JoinSet` aborts its tasks.",
        HANDLES_ISSUE,
    )
    .measured(format!(
        "after a dropped JoinHandle the task {}; after a dropped JoinSet it {}.",
        ran(fates.join_handle_dropped),
        ran(fates.join_set_dropped)
    ))
    .verdict(match (fates.join_handle_dropped, fates.join_set_dropped) {
        (true, false) => Verdict::Holds,
        (true, true) | (false, false) => Verdict::Partly,
        (false, true) => Verdict::DoesNotHold,
    })
}

fn select_claim(figures: &Figures) -> Claim {
    let (lossy, safe) = (figures.not_cancel_safe, figures.cancel_safe);
    Claim::new(
        "`select!` drops the losing branch's future: a read that is not cancel-safe loses the \
         data it had taken; keeping the partial read outside the future fixes it.",
        SELECT_DOCS,
    )
    .measured(format!(
        "{} of {} frames torn with the lossy read, {} with the fix.",
        lossy.torn, lossy.sent, safe.torn
    ))
    .verdict(match (lossy.torn > 0, safe.torn == 0) {
        (true, true) => Verdict::Holds,
        (false, true) => Verdict::Partly,
        (_, false) => Verdict::DoesNotHold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(log: &[&str], fates: (bool, bool), torn: (u32, u32)) -> Figures {
        let received = |torn| Received {
            sent: 20,
            whole: 20 - torn,
            torn,
            heartbeats: 13,
        };
        Figures {
            timeout_log: log.iter().map(|s| s.to_string()).collect(),
            fates: HandleFates {
                join_handle_dropped: fates.0,
                join_set_dropped: fates.1,
                aborted: false,
            },
            not_cancel_safe: received(torn.0),
            cancel_safe: received(torn.1),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn tokio_as_documented_holds_everything() {
        let outcome = report(&figures(
            &["cleanup ran (Drop)", "timed out"],
            (true, false),
            (7, 0),
        ));
        assert_eq!(verdicts(&outcome), [Verdict::Holds; 3]);
    }

    #[test]
    fn cleanup_after_the_caller_or_a_lost_fix_does_not_hold() {
        let outcome = report(&figures(
            &["timed out", "cleanup ran (Drop)"],
            (false, true),
            (7, 2),
        ));
        assert_eq!(verdicts(&outcome), [Verdict::DoesNotHold; 3]);
    }

    #[test]
    fn nothing_lost_either_way_holds_only_in_part() {
        let outcome = report(&figures(
            &["cleanup ran (Drop)", "timed out"],
            (true, true),
            (0, 0),
        ));
        assert_eq!(verdicts(&outcome)[1..], [Verdict::Partly, Verdict::Partly]);
    }

    #[test]
    fn counts_stand_on_a_busy_machine() {
        let outcome = report(&figures(
            &["cleanup ran (Drop)", "timed out"],
            (true, false),
            (7, 0),
        ))
        .on_busy_machine("load 4 on 2 cores");
        assert_eq!(verdicts(&outcome), [Verdict::Holds; 3]);
    }
}
