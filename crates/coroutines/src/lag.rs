//! The loop-lag monitor: a task that asks to wake every millisecond and records how late it woke.
//!
//! On one thread, a task that never reaches an `.await` (a `std::thread::sleep`, a long loop)
//! keeps every other task from running, the monitor included: its wake-ups come late by as long as
//! the thread was held. asyncio has the same problem and, in debug mode only, a warning for it
//! (`loop.slow_callback_duration`, 0.1 s); Node's `monitorEventLoopDelay` is the same idea as this
//! monitor. Times come from tokio's clock, so the arithmetic is tested on a paused clock.

use std::time::Duration;

use lesson_kit::{State, Trace};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Every wake-up's lateness, in seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Lags {
    pub period_s: f64,
    /// How late each tick woke, in order.
    pub lags_s: Vec<f64>,
}

impl Lags {
    pub fn new(period: Duration) -> Self {
        Lags {
            period_s: period.as_secs_f64(),
            lags_s: Vec::new(),
        }
    }

    /// One tick, due at `due`, that woke at `woke`.
    pub fn record(&mut self, due: Instant, woke: Instant) {
        self.lags_s
            .push(woke.saturating_duration_since(due).as_secs_f64());
    }

    /// The worst lateness (0 with no ticks).
    pub fn max_s(&self) -> f64 {
        self.lags_s.iter().copied().fold(0.0, f64::max)
    }

    /// How many ticks were later than `threshold`.
    pub fn later_than(&self, threshold: Duration) -> u64 {
        let threshold = threshold.as_secs_f64();
        self.lags_s.iter().filter(|&&lag| lag > threshold).count() as u64
    }
}

/// A running monitor: [`LagMonitor::stop`] ends it and returns what it saw.
pub struct LagMonitor {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Lags>,
}

impl LagMonitor {
    /// Spawns the monitor on the current runtime. Late stretches are drawn on `trace`'s lane
    /// `lane` as `idle` (ready to run, but the thread was elsewhere); `origin` is the tokio
    /// instant of the trace's time zero.
    pub fn start(period: Duration, trace: Trace, lane: String, origin: Instant) -> Self {
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let mut lags = Lags::new(period);
            let at = |instant: Instant| instant.duration_since(origin).as_secs_f64();
            loop {
                // `sleep_until` a due time, rather than `interval`: an interval would skip or
                // bunch up the missed ticks, and the lateness of each is what is measured.
                let due = Instant::now() + period;
                tokio::select! {
                    _ = tokio::time::sleep_until(due) => {}
                    _ = &mut stopped => break,
                }
                let woke = Instant::now();
                lags.record(due, woke);
                // Only real stalls: tokio's timer has a 1 ms resolution, so a tick a millisecond
                // or two late is the timer, not a blocked thread.
                if woke - due > period * 5 {
                    trace.record(&lane, State::Idle, at(due), at(woke));
                }
            }
            lags
        });
        LagMonitor { stop, task }
    }

    /// Stops the monitor and returns every tick's lateness.
    pub async fn stop(self) -> Lags {
        let _ = self.stop.send(());
        self.task.await.unwrap_or_default()
    }
}

/// Seconds from `origin` to now on tokio's clock: the time a trace shares with the monitor.
pub fn seconds_since(origin: Instant) -> f64 {
    Instant::now().duration_since(origin).as_secs_f64()
}
