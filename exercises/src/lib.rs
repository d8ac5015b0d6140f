//! The exercises: one file each, with the task at the top and a `// TODO` where you edit.
//!
//! Each compiles as it is, so your editor and `cargo build` work, and each fails its checks until
//! you solve it. Your progress: `cargo run -p exercise-check -- list`; one exercise:
//! `cargo run -p exercise-check -- check threading-1`; re-check on every save:
//! `cargo run -p exercise-check -- watch`. The checks themselves are in `exercises/checks/`: read
//! them, they are part of the task. Model answers are in `solutions/`; try first.

// Unsolved stubs have arguments they do not use yet; that is their nature, not a mistake.
#![allow(unused_variables, unused_imports, dead_code)]

// `pub mod gil_sim_1;` and so on: one module per line of `exercises/registry.txt`, each from its
// file in `src/`, written by `build.rs` so that a new exercise is added in one place.
include!(concat!(env!("OUT_DIR"), "/modules.rs"));
