//! The discrete-event engine behind [`simulate`]: CPython 3.12's `take_gil` / `drop_gil` /
//! checkpoint protocol (and the legacy and GIL-free variants), step by step in virtual time.
//!
//! Each thread is a small state machine ([`Phase`]). The loop asks every thread when its next
//! event is, jumps to the earliest (ties go to the lower thread number, so runs are
//! reproducible), lets every computing thread progress by the time that passed, and handles that
//! one event. Time is kept in whole nanoseconds: integers, so that no rounding differs between
//! machines.
//!
//! This file is the clock and the threads' states; `protocol.rs` is CPython's GIL (what each
//! event does), `timeline.rs` turns state changes into the trace.

use std::time::Duration;

use lesson_kit::State;

mod protocol;
mod timeline;

use super::{ModelConfig, Simulation, Step, ThreadSpec};
use crate::mode::Mode;

type Nanos = u64;

/// A lane keeps at most this many spans; see [`Simulation::trace_complete`].
const MAX_SPANS_PER_LANE: usize = 2_000;

/// A safety net: a run stops after this many events (a 10 µs interval over 10 virtual seconds
/// is about 5 million events), so a mistake in a spec cannot hang a test.
const MAX_EVENTS: u64 = 10_000_000;

/// Runs `threads` under `config` until every thread has finished: CPython's `take_gil`,
/// `drop_gil` and eval-loop checkpoint (Python/ceval_gil.c, 3.12) for every thread, in virtual
/// time. Deterministic: the same inputs give the same [`Simulation`], timeline included.
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
    /// In `take_gil`, woken by its timer: taking the mutex and re-checking the GIL, on a core,
    /// for `left` more nanoseconds of work; then it asks the holder to drop (if no switch
    /// happened since `saved_switch`) and waits again, keeping its place (`queued`).
    Rechecking {
        left: Nanos,
        saved_switch: u64,
        queued: u64,
    },
    /// In `drop_gil`, asleep on `switch_cond` (FORCE_SWITCHING) until another thread takes the GIL.
    SwitchWait {
        woken_at: Option<Nanos>,
        then: AfterSwitch,
    },
    /// Running interpreted code: `left` nanoseconds of work to go, `done` done in this step.
    Computing {
        left: Nanos,
        done: Nanos,
    },
    /// In a native call, with or without the GIL.
    Native {
        left: Nanos,
    },
    /// Blocked on I/O until `until` (when it runs again), without the GIL.
    Io {
        until: Nanos,
    },
    /// Legacy GIL: just released the lock with a thread asleep on it, and in the system call
    /// that wakes it (`sem_post` → `futex_wake`) until `until`; then it re-takes the lock.
    Signalling {
        until: Nanos,
    },
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
                name: spec
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("thread {}", i + 1)),
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

    /// One checkpoint iteration, with the single-thread overhead of a real free-threaded build
    /// (in per mille, to stay in integers).
    fn checkpoint_cost(&self) -> Nanos {
        let per_mille = (self.config.mode.single_thread_overhead() * 1000.0).round() as Nanos;
        let cost = nanos(self.config.checkpoint_cost);
        (cost.saturating_mul(1000 + per_mille) / 1000).max(1)
    }

    fn shared_gil(&self) -> bool {
        self.config.mode.has_shared_gil()
    }

    fn run(&mut self, stop_after: Option<usize>) {
        for _ in 0..MAX_EVENTS {
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
            .filter(|t| {
                matches!(
                    t.phase,
                    Phase::Computing { .. }
                        | Phase::Native { .. }
                        | Phase::Signalling { .. }
                        | Phase::Rechecking { .. }
                )
            })
            .count() as u64
    }

    /// Virtual time for `work` nanoseconds of computing when `users` threads share the cores.
    fn time_for(&self, work: Nanos, users: u64) -> Nanos {
        let cores = self.config.cores.max(1) as u64;
        if users <= cores {
            work
        } else {
            Nanos::try_from((work as u128 * users as u128).div_ceil(cores as u128))
                .unwrap_or(Nanos::MAX)
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
            Phase::Native { left } | Phase::Rechecking { left, .. } => {
                Some(self.now.saturating_add(self.time_for(left, users)))
            }
            Phase::Io { until } | Phase::Signalling { until } => Some(until),
            Phase::Done => None,
        }
    }

    /// Work until the next checkpoint at which the holder will act: the next one if a drop is
    /// requested (new GIL), the one where the ticker runs out (legacy), otherwise none before the
    /// step ends.
    fn work_to_next_checkpoint_that_matters(&self, i: usize, done: Nanos) -> Nanos {
        let cost = self.checkpoint_cost();
        let holds = self.holder == Some(i);
        match self.config.mode {
            Mode::Cpython312 if holds && self.drop_request => cost - done % cost,
            Mode::Legacy if holds => {
                let period = self.legacy_release_period();
                period - done % period
            }
            _ => Nanos::MAX,
        }
    }

    /// Legacy GIL: the work between two releases, `check_interval + 1` ticks at
    /// `ticks_per_checkpoint` ticks per checkpoint (with 100 and 3: every 33⅔ iterations, the
    /// average of Python 2's 33 and 34).
    fn legacy_release_period(&self) -> Nanos {
        let ticks = u64::from(self.config.check_interval) + 1;
        let per_checkpoint = u64::from(self.config.ticks_per_checkpoint.max(1));
        (self.checkpoint_cost().saturating_mul(ticks) / per_checkpoint).max(1)
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
                Phase::Native { left } | Phase::Rechecking { left, .. } => left,
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
                Phase::Native { left } | Phase::Rechecking { left, .. } => *left -= step,
                _ => {}
            }
        }
        self.now = at;
    }
}
