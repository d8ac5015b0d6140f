//! One Python thread runs the countdown under the GIL: alone, it never drops it.
//!
//! Mirrors: `def countdown(n): while n > 0: n -= 1` called once, in CPython 3.12.
//! Run it: `cargo run -p gil-sim --example 01_countdown_under_gil`

use gil_sim::{Interpreter, Mode, Python, work};

const N: u64 = 5_000_000;

fn main() {
    // ANCHOR: attach
    let interp = Interpreter::new(Mode::Cpython312);
    let result = Python::attach(&interp, "main", |py| work::countdown(py, N));
    // ANCHOR_END: attach
    println!(
        "countdown finished ({result:#x}); the GIL changed hands {} times",
        interp.switches()
    );
    println!("nobody else asked for it, so the thread never had to let go at a checkpoint");
}
