//! The exercises: one file each, with the task at the top and a `// TODO` where you edit.
//!
//! Each compiles as it is, so your editor and `cargo build` work, and each fails its checks until
//! you solve it. Check one with `cargo test -p exercises --test checks threading_1::` (`just check
//! threading-1`), all with `cargo test -p exercises`, or let `just watch` re-check the file you are
//! editing on every save. The checks themselves are in `exercises/checks/`: read them, they are
//! part of the task. Model answers are in `solutions/`; try first.

// Unsolved stubs have arguments they do not use yet; that is their nature, not a mistake.
#![allow(unused_variables, unused_imports, dead_code)]

pub mod gil_sim_1;
pub mod gil_sim_2;
pub mod gil_sim_3;
pub mod threading_1;
pub mod threading_2;
pub mod threading_3;
