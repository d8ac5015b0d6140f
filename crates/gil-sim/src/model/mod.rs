//! The model: the same GIL protocol as [`gil`](crate::gil), in virtual time.
//!
//! Real threads give real figures, but they differ on every run and every machine, and a test
//! cannot wait five milliseconds a thousand times. The model replays CPython 3.12's protocol as a
//! discrete-event simulation: threads are lists of [`Step`]s, time jumps from one event to the next
//! (a waiter's timeout, a checkpoint after a drop request, a wake-up, the end of an I/O wait), and
//! nothing sleeps. The same inputs give the same [`Simulation`] — timeline included — everywhere.
//!
//! ```
//! use gil_sim::model::{self, ModelConfig, ThreadSpec};
//!
//! let config = ModelConfig::default();
//! let run = model::simulate(&config, &[ThreadSpec::cpu(200_000), ThreadSpec::cpu(200_000)]);
//! println!("{:?} virtual, {} switches", run.total, run.switches);
//! ```
//!
//! Its costs (one checkpoint iteration, one wake-up, what a wake-up costs the waker, what a
//! timed-out wake-up costs in CPU, the timer's lateness) are parameters: [`calibrate`] measures them on this machine, on the same pthread
//! primitives the real lock uses; tests use fixed values, so their snapshots never change.
//!
//! Where the model charges time, and why:
//! - every hand-over of the GIL leaves it idle for one wake-up (the signalled waiter must be
//!   scheduled before it can run);
//! - a blocking I/O wait ends with a wake-up too (the thread slept in the kernel), before the
//!   thread even asks for the GIL again;
//! - a legacy-GIL release with a thread waiting on the lock costs the releaser the system call
//!   that wakes it (the call only: the waiter pays for getting onto a core), every 101 ticks: the woken thread usually finds the lock taken again (a failed
//!   acquisition), and the holder has paid for waking it all the same;
//! - a waiter whose timed wait runs out (every switch interval) takes a core for a moment to
//!   re-check the GIL and sleep again: nothing waits for it, but the holder shares the cores with
//!   it, and a thousand waiters timing out together slow the holder down (the stampede);
//! - a real free-threaded build's interpreted code runs slower by the build's overhead.

pub mod calibrate;
mod engine;

use std::time::Duration;

use lesson_kit::Trace;

use crate::mode::Mode;

pub use engine::simulate;

/// Like [`simulate`], but stops as soon as thread `watched` has finished: for runs where other
/// threads compute "forever" in the background (the convoy).
pub fn simulate_until_finished(
    config: &ModelConfig,
    threads: &[ThreadSpec],
    watched: usize,
) -> Simulation {
    engine::simulate_until(config, threads, Some(watched))
}

/// The machine and the interpreter the model simulates.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelConfig {
    /// CPU cores: threads that compute at the same moment (with the GIL, without it, or in
    /// native code) share them equally when there are more threads than cores.
    pub cores: usize,
    /// `sys.setswitchinterval`: how long a waiter waits before it sets the drop request.
    pub switch_interval: Duration,
    /// The time between two checkpoints: one iteration of the interpreted loop under the GIL
    /// build. A real free-threaded build's mode adds its overhead
    /// ([`Mode::single_thread_overhead`]).
    pub checkpoint_cost: Duration,
    /// How long a sleeping thread takes to run once woken (futex wake-up plus a context switch):
    /// the time the GIL lies idle at every hand-over, and what a thread pays to come back from a
    /// blocking I/O wait.
    pub wake_latency: Duration,
    /// What a release with a waiter costs the thread that releases: the `futex_wake` system call
    /// inside `sem_post` / `pthread_cond_signal`, and only that. Getting the woken thread onto a
    /// core is the scheduler's work, paid in [`wake_latency`](Self::wake_latency) by the waiter,
    /// not by the releaser (charging the releaser the whole wake-up made two legacy threads
    /// 12.89× slower than one, where Python 2.7 measured 1.46×). Only the legacy GIL pays it on
    /// the critical path: its holder signals the waiter and carries on computing, every 101
    /// ticks (the new GIL's dropper waits for the switch or blocks anyway, and the cost hides in
    /// that wait).
    pub signal_cost: Duration,
    /// What one timed-out wake-up of a waiter costs in CPU: woken by its timer, it takes the
    /// GIL's mutex (fighting every other waiter woken at the same moment for it), re-checks
    /// `gil->locked` and sleeps again. Nobody waits for it, but it needs a core: with a thousand
    /// waiters whose timers all run out together, that is a burst of CPU load that the holder
    /// shares its core with, once per switch interval (the stampede).
    pub recheck_cost: Duration,
    /// How late a timed wait returns after its timeout: Linux lets a timer fire up to
    /// `timerslack_ns` (50 µs by default) late, to batch wake-ups. A 10 µs switch interval is
    /// really a 60 µs one.
    pub timer_slack: Duration,
    pub mode: Mode,
    /// CPython's FORCE_SWITCHING (always on in a real build). Turn it off to see why it exists:
    /// the dropper then takes the GIL straight back.
    pub force_switching: bool,
    /// [`Mode::Legacy`]: `sys.setcheckinterval`, in ticks; the holder lets go on the tick after
    /// the interval (`--_Py_Ticker < 0`).
    pub check_interval: u32,
    /// [`Mode::Legacy`]: the ticks one checkpoint (one loop iteration) counts: the bytecodes
    /// Python 2's ticker saw in it ([`TICKS_PER_ITERATION`](crate::legacy::TICKS_PER_ITERATION)).
    pub ticks_per_checkpoint: u32,
}

impl Default for ModelConfig {
    /// Two cores, CPython's 5 ms interval, 50 ns per checkpoint (a CPython 3.12 loop iteration is
    /// 30–65 ns), a 10 µs wake-up whose system call costs its waker 200 ns, 5 µs of CPU per
    /// timed-out wake-up, and Linux's default 50 µs timer slack:
    /// round figures close to what [`calibrate`] finds on a laptop.
    fn default() -> Self {
        ModelConfig {
            cores: 2,
            switch_interval: crate::interpreter::DEFAULT_SWITCH_INTERVAL,
            checkpoint_cost: Duration::from_nanos(50),
            wake_latency: Duration::from_micros(10),
            signal_cost: Duration::from_nanos(200),
            recheck_cost: Duration::from_micros(5),
            timer_slack: Duration::from_micros(50),
            mode: Mode::Cpython312,
            force_switching: true,
            check_interval: crate::legacy::CHECK_INTERVAL,
            ticks_per_checkpoint: crate::legacy::TICKS_PER_ITERATION,
        }
    }
}

impl ModelConfig {
    /// The same configuration in another mode.
    pub fn with_mode(&self, mode: Mode) -> Self {
        ModelConfig {
            mode,
            ..self.clone()
        }
    }

    /// The same configuration with another switch interval.
    pub fn with_switch_interval(&self, switch_interval: Duration) -> Self {
        ModelConfig {
            switch_interval,
            ..self.clone()
        }
    }

    /// How many checkpoints fit in `duration` of computing: to size a model's work like a real run.
    pub fn checkpoints_in(&self, duration: Duration) -> u64 {
        let cost = self.checkpoint_cost.as_nanos().max(1);
        (duration.as_nanos() / cost) as u64
    }
}

/// One thing a simulated thread does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Interpreted code holding the GIL: this many checkpoint iterations (`countdown`).
    Compute { checkpoints: u64 },
    /// A blocking wait (a socket read) inside `py.detach`: the GIL is free meanwhile.
    Io { duration: Duration },
    /// A native call of this length: holding the GIL throughout, or inside `py.detach`.
    Native {
        duration: Duration,
        releases_gil: bool,
    },
}

/// A simulated thread: a name for its lane and the steps it runs, in order, attached to the
/// interpreter from start to end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadSpec {
    /// The lane name; `None` becomes `thread N` (its position, from 1).
    pub name: Option<String>,
    pub steps: Vec<Step>,
}

impl ThreadSpec {
    /// A thread with no steps yet: add them with [`compute`](Self::compute), [`io`](Self::io)…
    pub fn new() -> Self {
        ThreadSpec {
            name: None,
            steps: Vec::new(),
        }
    }

    /// A CPU-bound thread: `countdown(checkpoints)`.
    pub fn cpu(checkpoints: u64) -> Self {
        Self::new().compute(checkpoints)
    }

    /// An I/O-bound thread: `waits` times, block for `each` and then run one checkpoint of Python
    /// (handling the answer) — a server's loop.
    pub fn io_loop(waits: usize, each: Duration) -> Self {
        (0..waits).fold(Self::new(), |spec, _| spec.io(each).compute(1))
    }

    /// A CPU-bound thread that never runs out of work: a background computation, for
    /// [`simulate_until_finished`].
    pub fn forever() -> Self {
        Self::cpu(u64::MAX)
    }

    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    pub fn compute(mut self, checkpoints: u64) -> Self {
        self.steps.push(Step::Compute { checkpoints });
        self
    }

    pub fn io(mut self, duration: Duration) -> Self {
        self.steps.push(Step::Io { duration });
        self
    }

    /// A native call that keeps the GIL (a C extension without `Py_BEGIN_ALLOW_THREADS`).
    pub fn native_holding_gil(mut self, duration: Duration) -> Self {
        self.steps.push(Step::Native {
            duration,
            releases_gil: false,
        });
        self
    }

    /// A native call inside `py.detach` (hashlib on a large buffer, Pillow, NumPy).
    pub fn native_detached(mut self, duration: Duration) -> Self {
        self.steps.push(Step::Native {
            duration,
            releases_gil: true,
        });
        self
    }
}

impl Default for ThreadSpec {
    fn default() -> Self {
        Self::new()
    }
}

/// What a simulation found. All times are virtual.
#[derive(Clone, Debug)]
pub struct Simulation {
    /// When the last thread finished.
    pub total: Duration,
    /// How many times the GIL passed from one thread to another.
    pub switches: u64,
    /// How many times a waiter set the drop request.
    pub drop_requests: u64,
    /// How many times a thread took the GIL back while another thread was waiting for it: what
    /// forced switching prevents, and what the legacy GIL does all the time.
    pub retakes: u64,
    /// When each thread finished, in the order of the specs (zero for a thread still running
    /// when [`simulate_until_finished`] stopped).
    pub finish_times: Vec<Duration>,
    /// Each thread's total time waiting for the GIL.
    pub gil_waits: Vec<Duration>,
    /// For each thread, every delay between the end of one of its I/O waits and the moment it
    /// held the GIL again: the convoy effect, one figure per wake-up.
    pub wake_latencies: Vec<Vec<Duration>>,
    /// The timeline (virtual clock).
    pub trace: Trace,
    /// False if a lane had more spans than a timeline can show and the rest were left out.
    pub trace_complete: bool,
}

impl Simulation {
    /// The mean of `thread`'s wake-up latencies (zero if it never waited for I/O).
    pub fn mean_wake_latency(&self, thread: usize) -> Duration {
        mean(
            self.wake_latencies
                .get(thread)
                .map_or(&[][..], Vec::as_slice),
        )
    }
}

/// The mean of some durations, zero for none.
pub fn mean(samples: &[Duration]) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let total: Duration = samples.iter().sum();
    total / samples.len() as u32
}

/// How many short I/O waits [`convoy_latency`] averages over, and how long each one is.
pub const CONVOY_WAITS: usize = 200;
pub const CONVOY_IO: Duration = Duration::from_millis(1);

/// The mean wake-up latency of one I/O thread ([`CONVOY_WAITS`] waits of [`CONVOY_IO`], each
/// followed by one checkpoint) while `cpu_threads` CPU-bound threads compute: the convoy effect
/// of bpo-7946. With no CPU thread it is about zero; with one, about a switch interval.
pub fn convoy_latency(config: &ModelConfig, cpu_threads: usize) -> Duration {
    let io_thread = ThreadSpec::io_loop(CONVOY_WAITS, CONVOY_IO).named("I/O thread");
    let mut threads = vec![io_thread];
    // The CPU threads never run out of work before the I/O thread is done: the run stops then.
    threads.extend((0..cpu_threads).map(|i| ThreadSpec::forever().named(format!("CPU {}", i + 1))));
    let run = simulate_until_finished(config, &threads, 0);
    run.mean_wake_latency(0)
}
