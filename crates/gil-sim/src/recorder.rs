//! `LaneRecorder`: turns one thread's GIL state changes into trace spans.
//!
//! A thread is always in one phase (running, waiting for the GIL, waiting for I/O); a span is
//! written when the phase changes, so a thread that keeps the GIL for a second is one span, not a
//! million checkpoints. The caller passes the time of each change: a "running" phase ends at the
//! moment the thread *released* the lock (taken just before the release), never later, so two
//! threads' running spans cannot overlap however late the releaser gets back to its bookkeeping. A lane records at most [`MAX_SPANS_PER_LANE`] spans: a run at a 10 µs
//! switch interval would otherwise make a timeline nobody can draw.

use std::cell::Cell;

use lesson_kit::{Lane, State, Trace};

/// Past this many spans a lane stops recording (the trace says less, the run is unchanged).
pub const MAX_SPANS_PER_LANE: usize = 2_000;

/// Records the phases of one thread on one lane. Not `Sync`: it belongs to its thread.
#[derive(Debug)]
pub struct LaneRecorder {
    trace: Trace,
    lane: Lane,
    /// The phase the thread is in, and since when (seconds on the trace's clock).
    phase: Cell<Option<(State, f64)>>,
    recorded: Cell<usize>,
}

impl LaneRecorder {
    pub fn new(trace: &Trace, lane: &str) -> Self {
        LaneRecorder {
            trace: trace.clone(),
            lane: trace.lane(lane),
            phase: Cell::new(None),
            recorded: Cell::new(0),
        }
    }

    /// Now, on the trace's clock.
    pub fn now(&self) -> f64 {
        self.trace.now_s()
    }

    /// The thread entered `state` at `at`: the previous phase ends there.
    pub fn enter(&self, state: State, at: f64) {
        match self.phase.get() {
            Some((current, _)) if current == state => {}
            Some((current, since)) => {
                self.write(current, since, at);
                self.phase.set(Some((state, at)));
            }
            None => self.phase.set(Some((state, at))),
        }
    }

    /// The phase the thread is in, if any.
    pub fn state(&self) -> Option<State> {
        self.phase.get().map(|(state, _)| state)
    }

    /// The thread is done: its last phase ends at `at` (nothing happens if it already ended).
    pub fn finish(&self, at: f64) {
        if let Some((state, since)) = self.phase.take() {
            self.write(state, since, at);
        }
    }

    fn write(&self, state: State, start: f64, end: f64) {
        if self.recorded.get() < MAX_SPANS_PER_LANE && end > start {
            self.lane.record(state, start, end);
            self.recorded.set(self.recorded.get() + 1);
        }
    }
}
