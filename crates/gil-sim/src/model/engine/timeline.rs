//! The model's timeline: each thread's state changes become spans of a virtual-time `Trace`, and
//! the run's figures become a [`Simulation`].

use std::time::Duration;

use lesson_kit::{State, Trace};

use super::{Engine, MAX_SPANS_PER_LANE, Nanos, Thread};
use crate::model::Simulation;

impl Engine<'_> {
    /// From now on the timeline shows `state` for thread `i` (`None`: nothing, it is done).
    pub(super) fn show(&mut self, i: usize, state: Option<State>) {
        let now = self.now;
        let thread = &mut self.threads[i];
        if thread.shown.map(|(shown, _)| shown) == state {
            return;
        }
        if let Some((shown, since)) = thread.shown.take() {
            if shown == State::WaitingForGil {
                thread.gil_wait += now - since;
            }
            thread.add_span(shown, since, now);
        }
        thread.shown = state.map(|s| (s, now));
    }

    pub(super) fn into_simulation(self) -> Simulation {
        let trace = Trace::virtual_time();
        let mut trace_complete = true;
        for thread in &self.threads {
            trace.lane(thread.name.as_str());
            for &(state, start, end) in &thread.spans {
                trace.record(&thread.name, state, seconds(start), seconds(end));
            }
            trace_complete &= !thread.spans_dropped;
        }
        Simulation {
            total: Duration::from_nanos(self.now),
            switches: self.switch_number.saturating_sub(1),
            drop_requests: self.drop_requests,
            retakes: self.retakes,
            finish_times: self
                .threads
                .iter()
                .map(|t| Duration::from_nanos(t.finished_at))
                .collect(),
            gil_waits: self
                .threads
                .iter()
                .map(|t| Duration::from_nanos(t.gil_wait))
                .collect(),
            wake_latencies: self
                .threads
                .iter()
                .map(|t| t.wake_latencies.clone())
                .collect(),
            trace,
            trace_complete,
        }
    }
}

impl Thread {
    /// Adds a span, merging it into the previous one when they touch and share a state.
    pub(super) fn add_span(&mut self, state: State, start: Nanos, end: Nanos) {
        if end <= start {
            return;
        }
        if let Some(last) = self.spans.last_mut()
            && last.0 == state
            && last.2 == start
        {
            last.2 = end;
            return;
        }
        if self.spans.len() < MAX_SPANS_PER_LANE {
            self.spans.push((state, start, end));
        } else {
            self.spans_dropped = true;
        }
    }
}

/// Virtual nanoseconds as the trace's seconds.
fn seconds(ns: Nanos) -> f64 {
    ns as f64 / 1e9
}
