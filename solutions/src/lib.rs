//! Model answers to the exercises, one file each, in the same layout as `exercises/src/`.
//!
//! They pass the very checks the exercises run (`exercises/checks/`), which CI proves on every
//! change, together with the proof that each untouched stub fails them.

pub mod gil_sim_1;
pub mod gil_sim_2;
pub mod gil_sim_3;
pub mod threading_1;
pub mod threading_2;
pub mod threading_3;
