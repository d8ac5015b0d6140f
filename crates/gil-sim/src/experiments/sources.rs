//! Where the lesson's claims come from, each with its public address.
//!
//! `Source::ARTICLE` (shown to readers as "common claim") is used only for what the article the
//! course follows really says: the GIL lets one thread run at a time, threads help with waiting,
//! threads do not help CPU-bound work "like image processing". Everything else this lesson puts
//! to the test (the convoy effect, the switch interval, the old GIL, native code releasing the
//! lock, free threading, per-interpreter GILs) comes from one of these.

use lesson_kit::Source;

/// CPython's documentation of `sys.setswitchinterval`: the interval is the ideal length of a
/// thread's timeslice, and the real one can be longer.
pub const SWITCH_INTERVAL_DOCS: Source = Source::link(
    "CPython docs: sys.setswitchinterval",
    "https://docs.python.org/3/library/sys.html#sys.setswitchinterval",
);

/// bpo-7946, "Convoy effect with I/O bound threads and New GIL" (2010, closed without a fix).
pub const BPO_7946: Source = Source::link("bpo-7946", "https://bugs.python.org/issue7946");

/// D. Beazley, "Inside the Python GIL" (2009): the old GIL's battle on multicore machines.
pub const BEAZLEY_2009: Source = Source::link(
    "D. Beazley, Inside the Python GIL (2009)",
    "https://www.dabeaz.com/python/GIL.pdf",
);

/// D. Beazley, "Understanding the Python GIL" (2010): the new GIL of 3.2, and its convoy.
pub const BEAZLEY_2010: Source = Source::link(
    "D. Beazley, Understanding the Python GIL (2010)",
    "https://www.dabeaz.com/python/UnderstandingGIL.pdf",
);

/// V. Skvortsov, "Python behind the scenes #13: the GIL and its effects on Python
/// multithreading" (2021): the switch-interval sweep on CPython 3.9.
pub const SKVORTSOV: Source = Source::link(
    "V. Skvortsov, Python behind the scenes #13",
    "https://tenthousandmeters.com/blog/python-behind-the-scenes-13-the-gil-and-its-effects-on-python-multithreading/",
);

/// The `hashlib` documentation: the GIL is released for data larger than 2047 bytes.
pub const HASHLIB_DOCS: Source = Source::link(
    "CPython docs: hashlib",
    "https://docs.python.org/3/library/hashlib.html",
);

/// PEP 684, "A Per-Interpreter GIL" (CPython 3.12).
pub const PEP_684: Source = Source::link("PEP 684", "https://peps.python.org/pep-0684/");

/// PEP 734, "Multiple Interpreters in the Stdlib": `concurrent.interpreters` (3.14).
pub const PEP_734: Source = Source::link("PEP 734", "https://peps.python.org/pep-0734/");

/// PEP 703, "Making the Global Interpreter Lock Optional in CPython".
pub const PEP_703: Source = Source::link("PEP 703", "https://peps.python.org/pep-0703/");

/// PEP 779, "Criteria for supported status for free-threaded Python" (supported from 3.14).
pub const PEP_779: Source = Source::link("PEP 779", "https://peps.python.org/pep-0779/");

/// CPython 3.13's free-threading HOWTO: about 40 % single-thread overhead on pyperformance, and
/// the GIL turned back on by an extension module not marked as supporting free threading.
pub const FREE_THREADING_HOWTO_313: Source = Source::link(
    "CPython 3.13 docs: free-threading HOWTO",
    "https://docs.python.org/3.13/howto/free-threading-python.html",
);

/// What's New in Python 3.14: the free-threaded build's single-thread penalty is now about 5–10 %.
pub const WHATS_NEW_314: Source = Source::link(
    "What's New in Python 3.14",
    "https://docs.python.org/3/whatsnew/3.14.html",
);

/// CPython 3.12's bytecodes: the eval breaker (where a drop request is honoured) is checked at
/// `RESUME`, `JUMP_BACKWARD` and calls, not between any two bytecodes (so since 3.10).
pub const CEVAL_EVAL_BREAKER: Source = Source::link(
    "CPython 3.12: Python/bytecodes.c, CHECK_EVAL_BREAKER",
    "https://github.com/python/cpython/blob/3.12/Python/bytecodes.c",
);
