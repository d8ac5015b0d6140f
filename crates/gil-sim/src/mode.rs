//! `Mode`: which CPython's locking an [`Interpreter`](crate::Interpreter) (or the model) follows.
//!
//! The same program behaves very differently under each: that difference is the lesson. A mode is
//! chosen per run, so one experiment can put them side by side.

use std::fmt;

/// Which CPython's thread model to simulate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// CPython 3.2 to 3.12's "new GIL" (Python/ceval_gil.c): a switch interval, a drop request
    /// set by a waiter that timed out, and forced switching. The default, as in every CPython a
    /// learner is likely to run.
    #[default]
    Cpython312,
    /// CPython before 3.2: the holder releases and re-requests the lock every 100 ticks
    /// (`sys.setcheckinterval`; a tick is a bytecode, 3 per iteration of `countdown`), with no
    /// timeout and no forced switch. On several cores the releasing thread usually wins the lock
    /// straight back: Beazley's "GIL battle" (2009). See `legacy.rs`.
    Legacy,
    /// The **ideal** of free threading: no GIL and nothing paid for its absence. Taking the GIL
    /// returns at once and interpreted code runs as fast as under the GIL. No real build is this:
    /// see [`FreeThreaded313`](Self::FreeThreaded313) and [`FreeThreaded314`](Self::FreeThreaded314).
    FreeThreaded,
    /// CPython 3.13t, the experimental free-threaded build (PEP 703): no GIL, but one thread runs
    /// interpreted code about 40 % slower (see [`single_thread_overhead`](Self::single_thread_overhead)).
    FreeThreaded313,
    /// CPython 3.14t, free threading supported but optional (PEP 779): no GIL, about 8 % slower on
    /// one thread on x86-64 Linux.
    FreeThreaded314,
    /// One interpreter per thread, each with its own GIL (PEP 684, 3.12; 3.14's
    /// `concurrent.interpreters` and `InterpreterPoolExecutor`, see [`interpreters`](crate::interpreters)):
    /// threads never wait for one another's GIL.
    PerInterpreter,
}

impl Mode {
    /// Every mode, in the order the lesson presents them.
    pub const ALL: [Mode; 6] = [
        Mode::Cpython312,
        Mode::Legacy,
        Mode::FreeThreaded,
        Mode::FreeThreaded313,
        Mode::FreeThreaded314,
        Mode::PerInterpreter,
    ];

    /// Whether threads of this mode share one GIL (and so can wait for each other).
    pub fn has_shared_gil(self) -> bool {
        matches!(self, Mode::Cpython312 | Mode::Legacy)
    }

    /// Whether this mode has no GIL at all (the ideal or a real free-threaded build).
    pub fn is_free_threaded(self) -> bool {
        matches!(
            self,
            Mode::FreeThreaded | Mode::FreeThreaded313 | Mode::FreeThreaded314
        )
    }

    /// How much longer one thread takes to run interpreted code than under the GIL build, as a
    /// fraction (0.40 = 40 % slower). The price of free threading (biased reference counting,
    /// per-object locks; in 3.13 also the specializing interpreter turned off), measured on the
    /// pyperformance suite; C code and I/O pay much less, so only interpreted code is charged:
    /// - 3.13t: "about 40%" (Python 3.13 docs, HOWTO "Python support for free threading",
    ///   Single-threaded performance);
    /// - 3.14t: "roughly 5–10%, depending on the platform and C compiler" (What's New in 3.14);
    ///   the 3.14 HOWTO gives "about 1% on macOS aarch64 to 8% on x86-64 Linux". We take 8 %,
    ///   the figure for the machines this course is measured on.
    ///
    /// One more thing a real build does that no figure here shows: importing a C extension that
    /// does not declare `Py_mod_gil` support turns the GIL back on for the whole process (with a
    /// warning; `sys._is_gil_enabled()` then returns `True`). Such a process is
    /// [`Cpython312`](Self::Cpython312) plus this overhead, not free-threaded.
    pub fn single_thread_overhead(self) -> f64 {
        match self {
            Mode::FreeThreaded313 => 0.40,
            Mode::FreeThreaded314 => 0.08,
            Mode::Cpython312 | Mode::Legacy | Mode::FreeThreaded | Mode::PerInterpreter => 0.0,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Cpython312 => "CPython 3.12 GIL",
            Mode::Legacy => "legacy GIL (< 3.2)",
            Mode::FreeThreaded => "no GIL (ideal, no overhead)",
            Mode::FreeThreaded313 => "free-threaded 3.13t (no GIL, ~40% slower per thread)",
            Mode::FreeThreaded314 => "free-threaded 3.14t (no GIL, ~8% slower per thread)",
            Mode::PerInterpreter => "one GIL per interpreter",
        })
    }
}
