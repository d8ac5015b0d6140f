//! `Mode`: which CPython's locking an [`Interpreter`](crate::Interpreter) (or the model) follows.
//!
//! The same program behaves very differently under each: that difference is the lesson. A mode is
//! chosen per run, so one experiment can put the four side by side.

use std::fmt;

/// Which CPython's thread model to simulate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// CPython 3.2 to 3.12's "new GIL" (Python/ceval_gil.c): a switch interval, a drop request
    /// set by a waiter that timed out, and forced switching. The default, as in every CPython a
    /// learner is likely to run.
    #[default]
    Cpython312,
    /// CPython before 3.2: the holder releases and re-requests the lock every 100 "ticks"
    /// (`sys.setcheckinterval`), with no timeout and no forced switch. On several cores the
    /// releasing thread usually wins the lock straight back: Beazley's "GIL battle" (2009).
    Legacy,
    /// The free-threaded build (3.13t / 3.14t, PEP 703): there is no GIL, taking it returns at once.
    FreeThreaded,
    /// One interpreter per thread, each with its own GIL (PEP 684, 3.12; 3.14's
    /// `InterpreterPoolExecutor`): threads never wait for one another's GIL.
    PerInterpreter,
}

impl Mode {
    /// Every mode, in the order the lesson presents them.
    pub const ALL: [Mode; 4] = [
        Mode::Cpython312,
        Mode::Legacy,
        Mode::FreeThreaded,
        Mode::PerInterpreter,
    ];

    /// Whether threads of this mode share one GIL (and so can wait for each other).
    pub fn has_shared_gil(self) -> bool {
        matches!(self, Mode::Cpython312 | Mode::Legacy)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Cpython312 => "CPython 3.12 GIL",
            Mode::Legacy => "legacy GIL (< 3.2)",
            Mode::FreeThreaded => "free-threaded (no GIL)",
            Mode::PerInterpreter => "one GIL per interpreter",
        })
    }
}
