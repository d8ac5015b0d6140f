//! `Trace`: who was doing what, and when.
//!
//! A trace is a list of spans, each on a *lane* (a thread, a task or a process) and in one [`State`]
//! (running, waiting for the GIL, waiting for I/O…). The renderers draw one row per lane, so a learner
//! sees threads taking turns or overlapping instead of being told that they do.
//!
//! A `Trace` is a cheap handle (an `Arc`): clone it into every thread or tokio task, record spans
//! from all of them, then read the spans back once they are done. A child process records its own
//! trace and prints it as JSON; the parent adds it to its own with [`Trace::absorb`].
//!
//! Two clocks: a *measured* trace times spans with `Instant`, from the moment the trace was made;
//! a *virtual* trace (gil-sim's model) is given its times explicitly, so it is the same on every run.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// What a lane was doing during a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Executing: computing, or running interpreter code while holding the GIL.
    Running,
    /// Ready to run but queued for the GIL (a simulated one; Rust has none).
    WaitingForGil,
    /// Blocked on the network or the disk.
    WaitingForIo,
    /// Asleep on purpose (`thread::sleep`, `tokio::time::sleep`).
    Sleeping,
    /// Being created: a thread spawning, a process starting up.
    Starting,
    /// Alive but with nothing to do.
    Idle,
}

impl State {
    /// Every state, in the order a legend lists them.
    pub const ALL: [State; 6] = [
        State::Running,
        State::WaitingForGil,
        State::WaitingForIo,
        State::Sleeping,
        State::Starting,
        State::Idle,
    ];

    /// The words a legend uses for this state.
    pub fn describe(self) -> &'static str {
        match self {
            State::Running => "running",
            State::WaitingForGil => "waiting for the GIL",
            State::WaitingForIo => "waiting for I/O",
            State::Sleeping => "sleeping",
            State::Starting => "starting",
            State::Idle => "idle",
        }
    }
}

/// Which clock a trace's times come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Clock {
    /// Real time on this machine: differs from run to run.
    Measured,
    /// Virtual time from a model: the same on every run and every machine.
    Virtual,
}

/// One stretch of time that one lane spent in one state. Times are seconds from the trace's start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub lane: String,
    pub state: State,
    pub start_s: f64,
    pub end_s: f64,
}

impl Span {
    pub fn duration_s(&self) -> f64 {
        self.end_s - self.start_s
    }
}

/// The plain data of a trace, as it is written to JSON and read back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceData {
    pub clock: Clock,
    /// Lanes in the order they first appeared: the order a timeline draws them.
    pub lanes: Vec<String>,
    /// Spans grouped by lane (in `lanes` order), each lane's spans by start time.
    pub spans: Vec<Span>,
}

/// A thread-safe recorder of spans; clone it freely, every clone records into the same trace.
#[derive(Clone, Debug)]
pub struct Trace {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Time zero of a measured trace.
    origin: Instant,
    clock: Clock,
    /// One mutex for both lists: recording a span is rare next to the work it measures, so a plain
    /// lock costs nothing visible, and it keeps lanes and spans consistent with each other.
    recorded: Mutex<Recorded>,
}

#[derive(Debug, Default)]
struct Recorded {
    lanes: Vec<String>,
    spans: Vec<Span>,
}

impl Default for Trace {
    fn default() -> Self {
        Self::new()
    }
}

impl Trace {
    /// A trace timed by the real clock, starting now.
    pub fn new() -> Self {
        Self::with_clock(Clock::Measured)
    }

    /// A trace for a model that supplies its own times (see [`Trace::record`]).
    pub fn virtual_time() -> Self {
        Self::with_clock(Clock::Virtual)
    }

    fn with_clock(clock: Clock) -> Self {
        Trace {
            inner: Arc::new(Inner {
                origin: Instant::now(),
                clock,
                recorded: Mutex::new(Recorded::default()),
            }),
        }
    }

    pub fn clock(&self) -> Clock {
        self.inner.clock
    }

    /// Seconds since this trace started (real time, whatever the clock).
    pub fn now_s(&self) -> f64 {
        self.inner.origin.elapsed().as_secs_f64()
    }

    /// A handle that records spans on the lane called `name` (created on first use).
    pub fn lane(&self, name: impl Into<String>) -> Lane {
        let name: Arc<str> = Arc::from(name.into());
        self.add_lane(&name);
        Lane {
            trace: self.clone(),
            name,
        }
    }

    /// Records a span with explicit times, in seconds from the trace's start.
    pub fn record(&self, lane: &str, state: State, start_s: f64, end_s: f64) {
        let mut recorded = self.lock();
        if !recorded.lanes.iter().any(|l| l == lane) {
            recorded.lanes.push(lane.to_string());
        }
        recorded.spans.push(Span {
            lane: lane.to_string(),
            state,
            start_s,
            end_s: end_s.max(start_s),
        });
    }

    /// Adds every span of `other` (for example a child process's trace) shifted by `offset_s`.
    pub fn absorb(&self, other: &TraceData, offset_s: f64) {
        for lane in &other.lanes {
            self.add_lane(lane);
        }
        for span in &other.spans {
            self.record(
                &span.lane,
                span.state,
                span.start_s + offset_s,
                span.end_s + offset_s,
            );
        }
    }

    /// The lanes, in the order they first appeared.
    pub fn lanes(&self) -> Vec<String> {
        self.lock().lanes.clone()
    }

    /// A copy of everything recorded so far, grouped by lane and sorted by start time.
    pub fn snapshot(&self) -> TraceData {
        let recorded = self.lock();
        let mut spans = recorded.spans.clone();
        let lane_index = |name: &str| recorded.lanes.iter().position(|l| l == name);
        spans.sort_by(|a, b| {
            lane_index(&a.lane)
                .cmp(&lane_index(&b.lane))
                .then(a.start_s.total_cmp(&b.start_s))
        });
        TraceData {
            clock: self.inner.clock,
            lanes: recorded.lanes.clone(),
            spans,
        }
    }

    /// The end of the last span: how long the traced work took.
    pub fn duration_s(&self) -> f64 {
        self.lock()
            .spans
            .iter()
            .map(|s| s.end_s)
            .fold(0.0, f64::max)
    }

    fn add_lane(&self, name: &str) {
        let mut recorded = self.lock();
        if !recorded.lanes.iter().any(|l| l == name) {
            recorded.lanes.push(name.to_string());
        }
    }

    fn lock(&self) -> MutexGuard<'_, Recorded> {
        // A thread that panicked while recording left whole spans behind: the data is still good.
        self.inner
            .recorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl From<TraceData> for Trace {
    fn from(data: TraceData) -> Self {
        let trace = Trace::with_clock(data.clock);
        trace.absorb(&data, 0.0);
        trace
    }
}

impl From<Trace> for TraceData {
    fn from(trace: Trace) -> Self {
        trace.snapshot()
    }
}

impl Serialize for Trace {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.snapshot().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Trace {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        TraceData::deserialize(deserializer).map(Trace::from)
    }
}

impl PartialEq for Trace {
    fn eq(&self, other: &Self) -> bool {
        self.snapshot() == other.snapshot()
    }
}

/// Records spans on one lane of a [`Trace`]. Cheap to clone; `Send`, so it can move into a thread
/// or a tokio task.
#[derive(Clone, Debug)]
pub struct Lane {
    trace: Trace,
    name: Arc<str>,
}

impl Lane {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Seconds since the trace started: for recording a span with [`Lane::record`] later.
    pub fn now_s(&self) -> f64 {
        self.trace.now_s()
    }

    /// Runs `work`, recording the time it took as one span in `state`.
    pub fn span<T>(&self, state: State, work: impl FnOnce() -> T) -> T {
        let _span = self.enter(state);
        work()
    }

    /// Starts a span that ends when the returned guard is dropped; works across `.await` too.
    pub fn enter(&self, state: State) -> SpanGuard {
        SpanGuard {
            lane: self.clone(),
            state,
            start_s: self.trace.now_s(),
        }
    }

    /// Records a span with explicit times (seconds from the trace's start).
    pub fn record(&self, state: State, start_s: f64, end_s: f64) {
        self.trace.record(&self.name, state, start_s, end_s);
    }
}

/// An open span: it is recorded, with the time it was open, when dropped.
#[must_use = "the span ends when this guard is dropped"]
#[derive(Debug)]
pub struct SpanGuard {
    lane: Lane,
    state: State,
    start_s: f64,
}

impl Drop for SpanGuard {
    fn drop(&mut self) {
        let end_s = self.lane.trace.now_s();
        self.lane.record(self.state, self.start_s, end_s);
    }
}
