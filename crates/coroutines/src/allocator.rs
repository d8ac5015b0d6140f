//! The memory allocator under every task, chosen once when the process starts.
//!
//! tokio allocates each spawned task as one block: its header, the future, and its trailer. On
//! x86-64 that block is aligned to 128 bytes (tokio's `task/core.rs` pads it to a cache-line pair
//! so that two tasks never share one). glibc's `malloc` serves a 128-aligned request by carving
//! it out of a larger chunk, and the leftover slivers are too small to reuse: the `how-many`
//! experiment measures a million tasks costing far more than their blocks. mimalloc keeps blocks
//! of one size class together, aligned by construction, so the same task costs its block.
//!
//! The lesson's binary uses mimalloc. So that the experiment can show the difference instead of
//! asserting it, one environment variable, read before the first allocation, switches a child
//! process back to the system's `malloc`. A process never mixes the two: the choice is made once
//! and every block is freed by the allocator that gave it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::CStr;
use std::sync::atomic::{AtomicU8, Ordering};

use mimalloc::MiMalloc;
use serde::{Deserialize, Serialize};

/// Set to `system` in a child's environment to give it glibc's `malloc`.
pub const VARIABLE: &str = "COROUTINES_ALLOCATOR";
/// The same name for `getenv`, which needs a C string (a test checks that the two agree).
const VARIABLE_C: &CStr = c"COROUTINES_ALLOCATOR";

/// Which allocator a process runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Allocator {
    /// mimalloc: the lesson's default.
    Mimalloc,
    /// The C library's `malloc` (glibc on Linux): what a Rust program gets unless it chooses.
    System,
}

impl Allocator {
    pub fn label(self) -> &'static str {
        match self {
            Allocator::Mimalloc => "mimalloc",
            Allocator::System => "glibc malloc",
        }
    }

    /// The value of [`VARIABLE`] that selects this allocator.
    pub fn variable_value(self) -> &'static str {
        match self {
            Allocator::Mimalloc => "mimalloc",
            Allocator::System => "system",
        }
    }
}

/// The global allocator of the `coroutines` binary: mimalloc, or `System` when [`VARIABLE`] says so.
pub struct Chosen;

const UNDECIDED: u8 = 0;
const MIMALLOC: u8 = 1;
const SYSTEM: u8 = 2;
static CHOICE: AtomicU8 = AtomicU8::new(UNDECIDED);

/// The allocator this process runs on. Decided at the first allocation, before `main`.
pub fn current() -> Allocator {
    match decide() {
        SYSTEM => Allocator::System,
        _ => Allocator::Mimalloc,
    }
}

// ANCHOR: choose
fn decide() -> u8 {
    let known = CHOICE.load(Ordering::Relaxed);
    if known != UNDECIDED {
        return known;
    }
    // `std::env::var` would allocate, calling this allocator while it
    // decides; `libc::getenv` does not. Two threads racing here read the
    // same variable, so they agree.
    let choice = if asks_for_system(VARIABLE_C) {
        SYSTEM
    } else {
        MIMALLOC
    };
    CHOICE.store(choice, Ordering::Relaxed);
    choice
}
// ANCHOR_END: choose

/// Whether the environment variable `name` is `system`, read without allocating.
fn asks_for_system(name: &CStr) -> bool {
    // SAFETY: a NUL-terminated name; nothing in this program calls `setenv`.
    let value = unsafe { libc::getenv(name.as_ptr()) };
    // SAFETY: getenv returns NULL or a NUL-terminated string that lives as long as the
    // environment.
    !value.is_null() && unsafe { CStr::from_ptr(value) }.to_bytes() == b"system"
}

// SAFETY: every call is forwarded to one allocator, the same one for the whole process, so each
// block is freed, grown or shrunk by the allocator that made it.
unsafe impl GlobalAlloc for Chosen {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged, under the caller's guarantees.
        unsafe {
            match decide() {
                SYSTEM => System.alloc(layout),
                _ => MiMalloc.alloc(layout),
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe {
            match decide() {
                SYSTEM => System.alloc_zeroed(layout),
                _ => MiMalloc.alloc_zeroed(layout),
            }
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: `block` came from the same allocator: the choice never changes.
        unsafe {
            match decide() {
                SYSTEM => System.dealloc(block, layout),
                _ => MiMalloc.dealloc(block, layout),
            }
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as `dealloc`.
        unsafe {
            match decide() {
                SYSTEM => System.realloc(block, layout, new_size),
                _ => MiMalloc.realloc(block, layout, new_size),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_spellings_of_the_variable_agree() {
        assert_eq!(VARIABLE_C.to_str(), Ok(VARIABLE));
    }
}
