//! Every exercise's checks, in one test binary so that one run reports each exercise, solved or not.
//!
//! The check files in `exercises/checks/` test whatever crate `target` names here: the learner's
//! stubs in `exercises/tests/checks.rs`, the model answers in `solutions/tests/checks.rs`.
//! One exercise: `cargo test -p exercises --test checks threading_1::`.

use exercises as target;

#[path = "../checks/harness.rs"]
mod harness;

#[path = "../checks/gil_sim_1.rs"]
mod gil_sim_1;

#[path = "../checks/gil_sim_2.rs"]
mod gil_sim_2;

#[path = "../checks/gil_sim_3.rs"]
mod gil_sim_3;

#[path = "../checks/threading_1.rs"]
mod threading_1;

#[path = "../checks/threading_2.rs"]
mod threading_2;

#[path = "../checks/threading_3.rs"]
mod threading_3;
