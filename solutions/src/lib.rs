//! Model answers to the exercises, one file each, in the same layout as `exercises/src/`.
//!
//! They pass the very checks the exercises run (`exercises/checks/`), which CI proves on every
//! change (`cargo run -p exercise-check -- meta`), together with the proof that each untouched
//! stub fails them.

// `pub mod gil_sim_1;` and so on: one module per line of `exercises/registry.txt`, each from its
// file in `src/`, written by the exercises' `build.rs`.
include!(concat!(env!("OUT_DIR"), "/modules.rs"));
