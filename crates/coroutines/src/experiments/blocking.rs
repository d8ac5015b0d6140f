//! Experiment `blocking`: a blocking call inside a task stalls every task on the thread. A
//! loop-lag monitor (a task that wakes every millisecond) shows by how much; then the fixes.
//!
//! Python twin: `python/blocking.py`. Examples: `09_blocking_call.rs`, `10_spawn_blocking.rs`, `11_yield_now.rs`.

use std::time::Duration;

use lesson_kit::report::format_seconds;
use lesson_kit::{Claim, Figure, Outcome, Run, Source, State, Trace, Verdict};
use serde::Serialize;
use tokio::time::Instant;

use super::{LessonError, Settings};
use crate::chef::spin;
use crate::lag::{LagMonitor, Lags};

pub const BLOCKING_DOCS: Source = Source::link(
    "asyncio docs: running blocking code",
    "https://docs.python.org/3/library/asyncio-dev.html#running-blocking-code",
);
pub const TOKIO_BLOCKING_DOCS: Source = Source::link(
    "tokio docs: CPU-bound tasks and blocking code",
    "https://docs.rs/tokio/latest/tokio/index.html#cpu-bound-tasks-and-blocking-code",
);
pub const ABORT_ISSUE: Source = Source::link(
    "tokio#4853",
    "https://github.com/tokio-rs/tokio/issues/4853",
);

/// How often the monitor asks to wake.
pub const PERIOD: Duration = Duration::from_millis(1);

/// What blocks, and what (if anything) is done about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Culprit {
    /// `std::thread::sleep` in a task: Python's `time.sleep` in a coroutine.
    Sleep,
    /// A CPU loop that never awaits.
    CpuLoop,
    /// The sleep moved to `spawn_blocking`: `await asyncio.to_thread(time.sleep, …)`.
    SpawnBlocking,
    /// The CPU loop with `yield_now().await` every millisecond: `await asyncio.sleep(0)`.
    YieldNow,
    /// The sleep in a task of a two-worker multi-thread runtime: the other worker runs the rest.
    MultiThread,
}

impl Culprit {
    pub const ALL: [Culprit; 5] = [
        Culprit::Sleep,
        Culprit::CpuLoop,
        Culprit::SpawnBlocking,
        Culprit::YieldNow,
        Culprit::MultiThread,
    ];

    /// Short, for a timeline's lanes and a table's rows.
    pub fn label(self) -> &'static str {
        match self {
            Culprit::Sleep => "thread::sleep",
            Culprit::CpuLoop => "CPU loop",
            Culprit::SpawnBlocking => "spawn_blocking",
            Culprit::YieldNow => "loop+yield_now",
            Culprit::MultiThread => "2 workers",
        }
    }

    /// Whether this is one of the fixes.
    pub fn is_fix(self) -> bool {
        !matches!(self, Culprit::Sleep | Culprit::CpuLoop)
    }
}

/// One variant's monitor readings.
#[derive(Clone, Debug, Serialize)]
pub struct Lagged {
    pub culprit: Culprit,
    /// The whole run: quiet, blocked, quiet again.
    pub wall_s: f64,
    pub ticks: u64,
    pub max_lag_s: f64,
    /// Ticks later than half the blocking call: the stall, as a count.
    pub stalled_ticks: u64,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub block_s: f64,
    pub period_s: f64,
    pub variants: Vec<Lagged>,
    /// Whether a `spawn_blocking` closure aborted after it started ran to its end anyway.
    pub aborted_blocking_ran_on: bool,
    pub trace: Trace,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let block = settings.size(Duration::from_millis(150), Duration::from_secs(1));
    let trace = Trace::new();
    let mut variants = Vec::new();
    let mut offset_s = 0.0;
    for culprit in Culprit::ALL {
        let runtime = match culprit {
            Culprit::MultiThread => crate::runtime::multi_thread(2),
            _ => crate::runtime::current_thread(),
        }
        .map_err(LessonError::Runtime)?;
        let run = Trace::new();
        let (lags, took_s) = runtime.block_on(stall(culprit, block, &run));
        trace.absorb(&run.snapshot(), offset_s);
        offset_s += took_s;
        variants.push(Lagged {
            culprit,
            wall_s: took_s,
            ticks: lags.lags_s.len() as u64,
            max_lag_s: lags.max_s(),
            stalled_ticks: lags.later_than(block / 2),
        });
    }
    let runtime = crate::runtime::current_thread().map_err(LessonError::Runtime)?;
    Ok(Figures {
        block_s: block.as_secs_f64(),
        period_s: PERIOD.as_secs_f64(),
        variants,
        aborted_blocking_ran_on: runtime.block_on(abort_started_blocking()),
        trace,
    })
}

/// Runs the monitor, waits a little, runs `culprit` for `block`, waits a little more. Returns the
/// monitor's readings and how long it all took.
async fn stall(culprit: Culprit, block: Duration, trace: &Trace) -> (Lags, f64) {
    let origin = Instant::now();
    let lane = |what: &str| format!("{}: {what}", culprit.label());
    let monitor = LagMonitor::start(PERIOD, trace.clone(), lane("monitor"), origin);
    let quiet = Duration::from_millis(20);
    tokio::time::sleep(quiet).await;
    let start_s = origin.elapsed().as_secs_f64();
    let task = tokio::spawn(async move {
        match culprit {
            Culprit::Sleep | Culprit::MultiThread => std::thread::sleep(block),
            Culprit::CpuLoop => spin(block),
            Culprit::SpawnBlocking => {
                let _ = tokio::task::spawn_blocking(move || std::thread::sleep(block)).await;
            }
            Culprit::YieldNow => {
                let until = std::time::Instant::now() + block;
                while std::time::Instant::now() < until {
                    spin(Duration::from_millis(1));
                    tokio::task::yield_now().await;
                }
            }
        }
    });
    let _ = task.await;
    trace.record(
        &lane("task"),
        State::Running,
        start_s,
        origin.elapsed().as_secs_f64(),
    );
    tokio::time::sleep(quiet).await;
    let lags = monitor.stop().await;
    (lags, origin.elapsed().as_secs_f64())
}

/// `spawn_blocking` a 50 ms sleep, abort it once it has started, and say whether it finished.
async fn abort_started_blocking() -> bool {
    let finished = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (started, is_started) = tokio::sync::oneshot::channel();
    let handle = tokio::task::spawn_blocking({
        let finished = std::sync::Arc::clone(&finished);
        move || {
            let _ = started.send(());
            std::thread::sleep(Duration::from_millis(50));
            finished.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let _ = is_started.await;
    handle.abort();
    let _ = handle.await;
    finished.load(std::sync::atomic::Ordering::SeqCst)
}

pub fn report(figures: &Figures) -> Outcome {
    let block = format_seconds(figures.block_s);
    let mut outcome = Outcome::new("blocking", "Blocking the loop: one call stalls every task")
        .intro(format!(
            "A monitor task asks to wake every {}; another task blocks for {block}: \
             `std::thread::sleep`, or a CPU loop that never awaits. Then the fixes: the sleep in \
             `spawn_blocking`, the loop with `yield_now().await` every millisecond, the sleep on a \
             runtime with two workers. Each runs on a fresh current-thread runtime but the last; \
             the timeline marks the monitor's late wake-ups.",
            format_seconds(figures.period_s)
        ))
        .trace(figures.trace.clone());
    for variant in &figures.variants {
        outcome = outcome.run(
            Run::new(
                variant.culprit.label(),
                Duration::from_secs_f64(variant.wall_s),
            )
            .figure("ticks", Figure::Count(variant.ticks))
            .figure("worst lag", Figure::Seconds(variant.max_lag_s))
            .figure("stalled ticks", Figure::Count(variant.stalled_ticks)),
        );
    }
    outcome
        .finding(
            "Python says nothing by default: asyncio's debug mode (PYTHONASYNCIODEBUG=1) logs a \
             callback that held the loop longer than `loop.slow_callback_duration` (0.1 s). The \
             monitor here is the always-on version of that warning.",
        )
        .claim(stall_claim(figures))
        .claim(fixes_claim(figures))
        .claim(abort_claim(figures))
}

fn stalled(figures: &Figures, fix: bool) -> Vec<&Lagged> {
    figures
        .variants
        .iter()
        .filter(|v| v.culprit.is_fix() == fix)
        .collect()
}

fn stall_claim(figures: &Figures) -> Claim {
    let culprits = stalled(figures, false);
    let all_stalled = !culprits.is_empty() && culprits.iter().all(|v| v.stalled_ticks > 0);
    Claim::new(
        "A blocking call inside a coroutine (a sleep, a long computation) stalls every other \
         task on the loop.",
        BLOCKING_DOCS,
    )
    .measured(describe(&culprits, figures.block_s))
    .verdict(if all_stalled {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    })
}

fn fixes_claim(figures: &Figures) -> Claim {
    let fixes = stalled(figures, true);
    let none_stalled = !fixes.is_empty() && fixes.iter().all(|v| v.stalled_ticks == 0);
    Claim::new(
        "`spawn_blocking`, a multi-thread runtime or yielding often keeps the other tasks running.",
        TOKIO_BLOCKING_DOCS,
    )
    .measured(describe(&fixes, figures.block_s))
    .verdict(if none_stalled {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    })
}

fn describe(variants: &[&Lagged], block_s: f64) -> String {
    let each: Vec<String> = variants
        .iter()
        .map(|v| {
            format!(
                "{}: worst lag {}, {} tick(s) later than {}",
                v.culprit.label(),
                format_seconds(v.max_lag_s),
                v.stalled_ticks,
                format_seconds(block_s / 2.0)
            )
        })
        .collect();
    each.join("; ")
}

fn abort_claim(figures: &Figures) -> Claim {
    Claim::new(
        "`abort()` cannot stop a `spawn_blocking` closure that has started: it runs to its end.",
        ABORT_ISSUE,
    )
    .measured(if figures.aborted_blocking_ran_on {
        "aborted after it started, the closure still finished."
    } else {
        "aborted after it started, the closure did not finish."
    })
    .verdict(if figures.aborted_blocking_ran_on {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(stalled: [u64; 5], ran_on: bool) -> Figures {
        Figures {
            block_s: 0.15,
            period_s: 0.001,
            variants: Culprit::ALL
                .iter()
                .zip(stalled)
                .map(|(&culprit, stalled_ticks)| Lagged {
                    culprit,
                    wall_s: 0.19,
                    ticks: 180,
                    max_lag_s: if stalled_ticks > 0 { 0.15 } else { 0.002 },
                    stalled_ticks,
                })
                .collect(),
            aborted_blocking_ran_on: ran_on,
            trace: Trace::virtual_time(),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn stalls_from_the_culprits_only_hold_every_claim() {
        let outcome = report(&figures([1, 1, 0, 0, 0], true));
        assert_eq!(verdicts(&outcome), [Verdict::Holds; 3]);
        assert_eq!(outcome.runs.len(), 5);
    }

    #[test]
    fn a_fix_that_stalled_or_a_culprit_that_did_not_fail_their_claims() {
        let outcome = report(&figures([1, 0, 0, 2, 0], false));
        assert_eq!(verdicts(&outcome), [Verdict::DoesNotHold; 3]);
    }

    #[test]
    fn counts_stand_on_a_busy_machine() {
        let outcome = report(&figures([1, 1, 0, 0, 0], true)).on_busy_machine("load 4 on 2 cores");
        assert_eq!(verdicts(&outcome), [Verdict::Holds; 3]);
    }
}
