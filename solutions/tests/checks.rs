//! Every exercise's checks, in one test binary so that one run reports each exercise, solved or not.
//!
//! The check files in `exercises/checks/` test whatever crate `target` names here: the learner's
//! stubs in `exercises/tests/checks.rs`, the model answers in `solutions/tests/checks.rs`.
//! One exercise: `cargo test -p solutions --test checks threading_1::`.

use solutions as target;

#[path = "../../exercises/checks/harness.rs"]
mod harness;

#[path = "../../exercises/checks/gil_sim_1.rs"]
mod gil_sim_1;

#[path = "../../exercises/checks/gil_sim_2.rs"]
mod gil_sim_2;

#[path = "../../exercises/checks/gil_sim_3.rs"]
mod gil_sim_3;

#[path = "../../exercises/checks/threading_1.rs"]
mod threading_1;

#[path = "../../exercises/checks/threading_2.rs"]
mod threading_2;

#[path = "../../exercises/checks/threading_3.rs"]
mod threading_3;
