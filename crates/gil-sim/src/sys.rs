//! `gil_sim::sys`: the two functions of Python's `sys` module that tune the GIL.
//!
//! ```
//! use std::time::Duration;
//! use gil_sim::{Interpreter, Mode, sys};
//!
//! let interp = Interpreter::new(Mode::Cpython312);
//! assert_eq!(sys::getswitchinterval(&interp), Duration::from_millis(5));
//! sys::setswitchinterval(&interp, Duration::from_micros(500)); // sys.setswitchinterval(0.0005)
//! assert_eq!(sys::getswitchinterval(&interp), Duration::from_micros(500));
//! ```

use std::time::Duration;

use crate::Interpreter;

/// `sys.setswitchinterval(interval)`: see [`Interpreter::set_switch_interval`].
pub fn setswitchinterval(interp: &Interpreter, interval: Duration) {
    interp.set_switch_interval(interval);
}

/// `sys.getswitchinterval()`: see [`Interpreter::switch_interval`].
pub fn getswitchinterval(interp: &Interpreter) -> Duration {
    interp.switch_interval()
}
