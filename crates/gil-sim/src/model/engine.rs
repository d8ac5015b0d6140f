//! The discrete-event engine behind [`simulate`]: CPython 3.12's `take_gil` / `drop_gil` /
//! checkpoint protocol (and the legacy and GIL-free variants), step by step in virtual time.
//!
//! Each thread is a small state machine ([`Phase`]). The loop asks every thread when its next
//! event is, jumps to the earliest (ties go to the lower thread number, so runs are
//! reproducible), lets every computing thread progress by the time that passed, and handles that
//! one event. Time is kept in whole nanoseconds: integers, so that no rounding differs between
//! machines.

use std::time::Duration;

use lesson_kit::{State, Trace};

use super::{ModelConfig, Simulation, Step, ThreadSpec};
use crate::mode::Mode;

type Nanos = u64;

/// A lane keeps at most this many spans; see [`Simulation::trace_complete`].
const MAX_SPANS_PER_LANE: usize = 2_000;

/// Runs `threads` under `config` until every thread has finished.
pub fn simulate(config: &ModelConfig, threads: &[ThreadSpec]) -> Simulation {
    simulate_until(config, threads, None)
}

/// Runs `threads` until all have finished, or until thread `stop_after` has (the CPU threads of
/// a convoy run would otherwise compute long after the I/O thread is done).
pub(crate) fn simulate_until(
    config: &ModelConfig,
    threads: &[ThreadSpec],
    stop_after: Option<usize>,
) -> Simulation {
    let mut engine = Engine::new(config, threads);
    engine.run(stop_after);
    engine.into_simulation()
}

/// Where a thread is in the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Not started: at time 0 it attaches (takes the GIL).
    Start,
    /// In `take_gil`, asleep on `gil->cond`. `deadline` is the end of its timed wait (none in
    /// legacy mode); `woken_at` is when a `drop_gil` signalled it; `queued` orders the waiters
    /// for that signal (a condition variable wakes the one that has waited longest).
    Waiting {
        saved_switch: u64,
        deadline: Option<Nanos>,
        woken_at: Option<Nanos>,
        queued: u64,
    },
    /// In `drop_gil`, asleep on `switch_cond` (FORCE_SWITCHING) until another thread takes the GIL.
    SwitchWait {
        woken_at: Option<Nanos>,
        then: AfterSwitch,
    },
    /// Running interpreted code: `left` nanoseconds of work to go, `done` done in this step.
    Computing { left: Nanos, done: Nanos },
    /// In a native call, with or without the GIL.
    Native { left: Nanos },
    /// Blocked on I/O until `until`, without the GIL.
    Io { until: Nanos },
    Done,
}

/// What a thread does once the switch it waited for has happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AfterSwitch {
    /// It dropped the GIL at a checkpoint: queue for it again.
    TakeGil,
    /// It dropped the GIL to start a detached step: start it.
    StartDetached,
}

/// Why a thread drops the GIL (see `gil::DropReason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DropReason {
    Yield,
    BeforeDetached,
    Final,
}

struct Thread {
    name: String,
    steps: Vec<Step>,
    /// The step being run (or about to be).
    step: usize,
    phase: Phase,
    /// The computation to resume when it holds the GIL again, if it dropped it mid-step.
    resume: Option<Phase>,
    /// When its last I/O wait ended, until it holds the GIL again.
    io_done_at: Option<Nanos>,
    finished_at: Nanos,
    gil_wait: Nanos,
    wake_latencies: Vec<Duration>,
    /// What the timeline shows for it now, and since when.
    shown: Option<(State, Nanos)>,
    spans: Vec<(State, Nanos, Nanos)>,
    spans_dropped: bool,
}

struct Engine<'c> {
    config: &'c ModelConfig,
    now: Nanos,
    threads: Vec<Thread>,
    // The GIL: `gil->locked`, the holder, `gil->last_holder`, `gil->switch_number`,
    // `gil_drop_request`.
    locked: bool,
    holder: Option<usize>,
    last_holder: Option<usize>,
    switch_number: u64,
    drop_request: bool,
    next_queue_ticket: u64,
    drop_requests: u64,
    retakes: u64,
}

fn nanos(d: Duration) -> Nanos {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl<'c> Engine<'c> {
    fn new(config: &'c ModelConfig, specs: &[ThreadSpec]) -> Self {
        let threads = specs
            .iter()
            .enumerate()
            .map(|(i, spec)| Thread {
                name: spec.name.clone().unwrap_or_else(|| format!("thread {}", i + 1)),
                steps: spec.steps.clone(),
                step: 0,
                phase: Phase::Start,
                resume: None,
                io_done_at: None,
                finished_at: 0,
                gil_wait: 0,
                wake_latencies: Vec::new(),
                shown: None,
                spans: Vec::new(),
                spans_dropped: false,
            })
            .collect();
        Engine {
            config,
            now: 0,
            threads,
            locked: false,
            holder: None,
            last_holder: None,
            switch_number: 0,
            drop_request: false,
            next_queue_ticket: 0,
            drop_requests: 0,
            retakes: 0,
        }
    }

    fn checkpoint_cost(&self) -> Nanos {
        nanos(self.config.checkpoint_cost).max(1)
    }

    fn shared_gil(&self) -> bool {
        self.config.mode.has_shared_gil()
    }

    // ---- the event loop ----

    fn run(&mut self, stop_after: Option<usize>) {
        loop {
            if let Some(i) = stop_after
                && self.threads[i].phase == Phase::Done
            {
                break;
            }
            let users = self.cpu_users();
            let next = (0..self.threads.len())
                .filter_map(|i| self.next_event(i, users).map(|at| (at, i)))
                .min();
            // No event left: every thread is done (the protocol cannot leave all of them asleep).
            let Some((at, i)) = next else { break };
            self.advance_to(at, users);
            self.handle(i);
        }
        for i in 0..self.threads.len() {
            self.show(i, None);
        }
    }

    /// How many threads are using a core right now.
    fn cpu_users(&self) -> u64 {
        self.threads
            .iter()
            .filter(|t| matches!(t.phase, Phase::Computing { .. } | Phase::Native { .. }))
            .count() as u64
    }

    /// Virtual time for `work` nanoseconds of computing when `users` threads share the cores.
    fn time_for(&self, work: Nanos, users: u64) -> Nanos {
        let cores = self.config.cores.max(1) as u64;
        if users <= cores {
            work
        } else {
            Nanos::try_from((work as u128 * users as u128).div_ceil(cores as u128)).unwrap_or(Nanos::MAX)
        }
    }

    /// Work done in `elapsed` by each of `users` threads sharing the cores.
    fn work_in(&self, elapsed: Nanos, users: u64) -> Nanos {
        let cores = self.config.cores.max(1) as u64;
        if users <= cores {
            elapsed
        } else {
            (elapsed as u128 * cores as u128 / users as u128) as Nanos
        }
    }

    /// When thread `i`'s next event happens, if it has one.
    fn next_event(&self, i: usize, users: u64) -> Option<Nanos> {
        let wake = nanos(self.config.wake_latency);
        match self.threads[i].phase {
            Phase::Start => Some(self.now),
            Phase::Waiting {
                deadline, woken_at, ..
            } => {
                let woken = woken_at.map(|at| at + wake);
                [deadline, woken].into_iter().flatten().min()
            }
            Phase::SwitchWait { woken_at, .. } => woken_at.map(|at| at + wake),
            Phase::Computing { left, done } => {
                let work = left.min(self.work_to_next_checkpoint_that_matters(i, done));
                Some(self.now.saturating_add(self.time_for(work, users)))
            }
            Phase::Native { left } => Some(self.now.saturating_add(self.time_for(left, users))),
            Phase::Io { until } => Some(until),
            Phase::Done => None,
        }
    }

    /// Work until the next checkpoint at which the holder will act: the next one if a drop is
    /// requested (new GIL), the next 100th one (legacy), otherwise none before the step ends.
    fn work_to_next_checkpoint_that_matters(&self, i: usize, done: Nanos) -> Nanos {
        let cost = self.checkpoint_cost();
        let holds = self.holder == Some(i);
        match self.config.mode {
            Mode::Cpython312 if holds && self.drop_request => cost - done % cost,
            Mode::Legacy if holds => {
                let period = cost.saturating_mul(u64::from(self.config.check_interval.max(1)));
                period - done % period
            }
            _ => Nanos::MAX,
        }
    }

    /// Moves the clock to `at`; every computing thread progresses by its share of the time, but
    /// never past its next event (integer rounding must not skip a checkpoint).
    fn advance_to(&mut self, at: Nanos, users: u64) {
        let share = self.work_in(at - self.now, users);
        let limits: Vec<Nanos> = (0..self.threads.len())
            .map(|j| match self.threads[j].phase {
                Phase::Computing { left, done } => {
                    left.min(self.work_to_next_checkpoint_that_matters(j, done))
                }
                Phase::Native { left } => left,
                _ => 0,
            })
            .collect();
        for (thread, limit) in self.threads.iter_mut().zip(limits) {
            let step = share.min(limit);
            match &mut thread.phase {
                Phase::Computing { left, done } => {
                    *left -= step;
                    *done += step;
                }
                Phase::Native { left } => *left -= step,
                _ => {}
            }
        }
        self.now = at;
    }

    /// Thread `i`'s event is due now: do what it does.
    fn handle(&mut self, i: usize) {
        match self.threads[i].phase {
            // Attaching: `take_gil` for the first time.
            Phase::Start => self.take_gil(i),
            Phase::Waiting {
                saved_switch,
                deadline,
                ..
            } => {
                // Awake, by a signal or by the timeout. The `take_gil` loop in ceval_gil.c:
                let timed_out = deadline.is_some_and(|d| self.now >= d);
                if timed_out && self.locked && self.switch_number == saved_switch {
                    // A whole interval and no switch: ask the holder to let go.
                    self.drop_request = true;
                    self.drop_requests += 1;
                }
                if self.locked {
                    self.wait_for_gil(i);
                } else {
                    self.acquire(i);
                }
            }
            Phase::SwitchWait { then, .. } => match then {
                AfterSwitch::TakeGil => self.take_gil(i),
                AfterSwitch::StartDetached => self.start_detached(i),
            },
            Phase::Computing { left, .. } => {
                if left == 0 {
                    self.next_step(i);
                } else {
                    self.checkpoint(i);
                }
            }
            Phase::Native { .. } => self.next_step(i),
            Phase::Io { .. } => {
                // The answer is in: `Py_END_ALLOW_THREADS`, queue for the GIL like anyone else.
                self.threads[i].io_done_at = Some(self.now);
                self.threads[i].step += 1;
                self.take_gil(i);
            }
            Phase::Done => {}
        }
    }

    /// A checkpoint where the holder acts: a drop request (new GIL) or its 100th tick (legacy).
    fn checkpoint(&mut self, i: usize) {
        self.threads[i].resume = Some(self.threads[i].phase);
        match self.config.mode {
            Mode::Cpython312 => self.drop_gil(i, DropReason::Yield),
            Mode::Legacy => {
                // Release and re-request at once, no questions asked.
                self.drop_gil(i, DropReason::Yield);
                self.take_gil(i);
            }
            Mode::FreeThreaded | Mode::PerInterpreter => {}
        }
    }

    /// `take_gil`: take the GIL if it is free, or start waiting for it.
    fn take_gil(&mut self, i: usize) {
        if !self.shared_gil() || !self.locked {
            self.acquire(i);
        } else {
            self.wait_for_gil(i);
        }
    }

    /// One round of the `while (gil->locked)` loop: a timed wait of one switch interval (no
    /// timeout in legacy mode), remembering the switch number to compare with on timeout.
    fn wait_for_gil(&mut self, i: usize) {
        let deadline = (self.config.mode == Mode::Cpython312)
            .then(|| self.now + nanos(self.config.switch_interval).max(1_000));
        self.next_queue_ticket += 1;
        self.threads[i].phase = Phase::Waiting {
            saved_switch: self.switch_number,
            deadline,
            woken_at: None,
            queued: self.next_queue_ticket,
        };
        self.show(i, Some(State::WaitingForGil));
    }

    /// The end of `take_gil`: this thread holds the GIL.
    fn acquire(&mut self, i: usize) {
        if self.shared_gil() {
            let someone_waits = self.threads.iter().enumerate().any(|(j, t)| {
                j != i && matches!(t.phase, Phase::Waiting { .. })
            });
            if self.last_holder == Some(i) && someone_waits {
                self.retakes += 1;
            }
            self.locked = true;
            self.holder = Some(i);
            if self.last_holder != Some(i) {
                self.last_holder = Some(i);
                self.switch_number += 1;
            }
            // FORCE_SWITCHING: signal `switch_cond`, waking a dropper waiting for this switch.
            let now = self.now;
            for thread in &mut self.threads {
                if let Phase::SwitchWait { woken_at, .. } = &mut thread.phase
                    && woken_at.is_none()
                {
                    *woken_at = Some(now);
                }
            }
            self.drop_request = false;
        }
        if let Some(io_done) = self.threads[i].io_done_at.take() {
            self.threads[i]
                .wake_latencies
                .push(Duration::from_nanos(self.now - io_done));
        }
        match self.threads[i].resume.take() {
            Some(computing) => {
                self.threads[i].phase = computing;
                self.show(i, Some(State::Running));
            }
            None => self.start_step(i),
        }
    }

    /// `drop_gil`: free the GIL, signal one waiter, and (FORCE_SWITCHING) wait for the switch if
    /// we dropped because somebody asked.
    fn drop_gil(&mut self, i: usize, why: DropReason) {
        if !self.shared_gil() {
            return self.after_drop(i, why);
        }
        self.locked = false;
        self.holder = None;
        self.signal_one_waiter();
        let force_switch = self.config.mode == Mode::Cpython312
            && self.config.force_switching
            && why != DropReason::Final
            && self.drop_request
            && self.last_holder == Some(i);
        if force_switch {
            self.drop_request = false;
            let then = match why {
                DropReason::BeforeDetached => AfterSwitch::StartDetached,
                _ => AfterSwitch::TakeGil,
            };
            self.threads[i].phase = Phase::SwitchWait {
                woken_at: None,
                then,
            };
            self.show(i, Some(State::WaitingForGil));
        } else {
            self.after_drop(i, why);
        }
    }

    /// What a thread does once it has dropped the GIL and need not wait for a switch.
    fn after_drop(&mut self, i: usize, why: DropReason) {
        match why {
            // Legacy mode re-takes in `checkpoint`; the new GIL without forced switching, here.
            DropReason::Yield if self.config.mode == Mode::Cpython312 => self.take_gil(i),
            DropReason::Yield => {}
            DropReason::BeforeDetached => self.start_detached(i),
            DropReason::Final => self.finish(i),
        }
    }

    /// COND_SIGNAL(gil->cond): wake the waiter that has waited longest and is not already waking.
    fn signal_one_waiter(&mut self) {
        let now = self.now;
        let longest = self
            .threads
            .iter_mut()
            .filter_map(|t| match &mut t.phase {
                Phase::Waiting {
                    woken_at: woken @ None,
                    queued,
                    ..
                } => Some((*queued, woken)),
                _ => None,
            })
            .min_by_key(|(queued, _)| *queued);
        if let Some((_, woken)) = longest {
            *woken = Some(now);
        }
    }

    // ---- the thread's program ----

    /// Holding the GIL (or needing none), start the current step.
    fn start_step(&mut self, i: usize) {
        let cost = self.checkpoint_cost();
        match self.threads[i].steps.get(self.threads[i].step).copied() {
            None => self.drop_gil(i, DropReason::Final),
            Some(Step::Compute { checkpoints }) => {
                self.threads[i].phase = Phase::Computing {
                    left: checkpoints.saturating_mul(cost),
                    done: 0,
                };
                self.show(i, Some(State::Running));
            }
            Some(Step::Native {
                duration,
                releases_gil: false,
            }) => {
                self.threads[i].phase = Phase::Native {
                    left: nanos(duration),
                };
                self.show(i, Some(State::Running));
            }
            // `Py_BEGIN_ALLOW_THREADS`: drop the GIL first.
            Some(Step::Io { .. } | Step::Native { .. }) => self.drop_gil(i, DropReason::BeforeDetached),
        }
    }

    /// Start the current step, which runs without the GIL.
    fn start_detached(&mut self, i: usize) {
        match self.threads[i].steps.get(self.threads[i].step).copied() {
            Some(Step::Io { duration }) => {
                self.threads[i].phase = Phase::Io {
                    until: self.now + nanos(duration),
                };
                self.show(i, Some(State::WaitingForIo));
            }
            Some(Step::Native { duration, .. }) => {
                self.threads[i].phase = Phase::Native {
                    left: nanos(duration),
                };
                self.show(i, Some(State::Running));
            }
            _ => self.start_step(i),
        }
    }

    /// The current step is over. A step that held the GIL ends at a checkpoint (a call return);
    /// one that ran detached queues for the GIL.
    fn next_step(&mut self, i: usize) {
        let detached = matches!(
            self.threads[i].steps.get(self.threads[i].step),
            Some(Step::Native {
                releases_gil: true,
                ..
            })
        );
        self.threads[i].step += 1;
        if detached {
            self.take_gil(i);
        } else if self.config.mode == Mode::Cpython312 && self.drop_request {
            self.drop_gil(i, DropReason::Yield);
        } else {
            self.start_step(i);
        }
    }

    fn finish(&mut self, i: usize) {
        self.threads[i].phase = Phase::Done;
        self.threads[i].finished_at = self.now;
        self.show(i, None);
    }

    // ---- the timeline ----

    /// From now on the timeline shows `state` for thread `i` (`None`: nothing, it is done).
    fn show(&mut self, i: usize, state: Option<State>) {
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

    fn into_simulation(self) -> Simulation {
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
            wake_latencies: self.threads.iter().map(|t| t.wake_latencies.clone()).collect(),
            trace,
            trace_complete,
        }
    }
}

impl Thread {
    /// Adds a span, merging it into the previous one when they touch and share a state.
    fn add_span(&mut self, state: State, start: Nanos, end: Nanos) {
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
