//! The work every experiment runs: an "interpreted" countdown that holds the GIL and checks in at
//! every iteration, and a "native" hash that needs no GIL at all.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::Python;
use crate::legacy::TICKS_PER_ITERATION;

/// How many xorshift rounds one countdown iteration does. One round alone costs a nanosecond or
/// two; sixteen bring an iteration to some tens of nanoseconds, about what one iteration of
/// `while n > 0: n -= 1` costs in CPython 3.12. That keeps the checkpoint rate, and the legacy
/// mode's release every 101 ticks, close to CPython's (the model's calibration measures it).
pub const ROUNDS_PER_ITERATION: u32 = 16;

/// The classic GIL benchmark, `def countdown(n): while n > 0: n -= 1`, run "in the interpreter":
/// every iteration does a little real arithmetic and then passes a checkpoint
/// ([`Python::check_after`]), as CPython's eval loop does at every `JUMP_BACKWARD`; under the
/// legacy GIL the checkpoint counts the iteration's [`TICKS_PER_ITERATION`] ticks, as Python 2's
/// `_Py_Ticker` did. Returns a value computed from all the work, so the compiler cannot skip it.
///
/// On a real free-threaded build ([`Mode::FreeThreaded313`](crate::Mode::FreeThreaded313),
/// [`FreeThreaded314`](crate::Mode::FreeThreaded314)) each iteration also pays the build's
/// overhead ([`Mode::single_thread_overhead`](crate::Mode::single_thread_overhead)) as extra
/// rounds, to the nearest whole round: work, not a sleep, so that it also takes a core.
pub fn countdown(py: Python<'_>, n: u64) -> u64 {
    let overhead_rounds = overhead_rounds(py.mode().single_thread_overhead());
    let mut state = 0x9E37_79B9_7F4A_7C15 ^ n;
    let mut overhead = state;
    let mut left = n;
    while left > 0 {
        for _ in 0..ROUNDS_PER_ITERATION {
            state = xorshift(state);
        }
        // Kept apart from `state`, so that the result is the same under every mode.
        for _ in 0..overhead_rounds {
            overhead = xorshift(overhead);
        }
        left -= 1;
        py.check_after(TICKS_PER_ITERATION);
    }
    black_box(overhead);
    black_box(state)
}

/// `for _ in range(n): counter += 1`, run "in the interpreter": each `+= 1` is a read and a
/// write of the shared counter (CPython's `LOAD_GLOBAL`, `BINARY_OP`, `STORE_GLOBAL`: three
/// bytecodes, nothing holding the value in between), then the loop's backward jump, the only
/// place ([`Python::check_after`]) where a thread under the GIL lets go. Under the GIL nobody
/// else runs between the read and the write; without it, another core can, and its update is
/// overwritten.
///
/// The counter is an atomic only so that the race is a lost update and not undefined
/// behaviour: a load then a store, two steps, is what Python's `+=` is.
pub fn count_up(py: Python<'_>, counter: &AtomicU64, n: u64) {
    for _ in 0..n {
        let seen = counter.load(Relaxed);
        counter.store(seen + 1, Relaxed);
        py.check_after(TICKS_PER_ITERATION);
    }
}

/// The extra xorshift rounds per iteration that make an iteration `overhead` (a fraction) slower.
fn overhead_rounds(overhead: f64) -> u32 {
    (f64::from(ROUNDS_PER_ITERATION) * overhead).round() as u32
}

/// The same countdown with no interpreter at all: a plain Rust loop, for the "4 Rust threads"
/// baseline. Same arithmetic, no checkpoint.
pub fn countdown_native(n: u64) -> u64 {
    let mut state = 0x9E37_79B9_7F4A_7C15 ^ n;
    for _ in 0..n {
        for _ in 0..ROUNDS_PER_ITERATION {
            state = xorshift(state);
        }
        state = black_box(state);
    }
    state
}

/// A "C extension" routine, like `hashlib.sha256(data).digest()`: `rounds` passes of FNV-1a over
/// `data`, each seeded with the last. It touches no Python object, so it needs no GIL: the caller
/// decides whether to run it inside [`Python::detach`] (it then runs in parallel) or not (it then
/// blocks every other thread for its whole length).
pub fn native_hash(data: &[u8], rounds: u32) -> u64 {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = FNV_OFFSET;
    for round in 0..rounds {
        hash ^= u64::from(round);
        for &byte in data {
            hash = (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
        }
        hash = black_box(hash);
    }
    hash
}

/// One round of Marsaglia's xorshift64: cheap, and impossible to fold away.
fn xorshift(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}
