//! Checks `exercises/src/threading_2.rs`: `cargo test -p exercises --test threading_2`.

use exercises::threading_2 as exercise;

#[path = "../checks/harness.rs"]
mod harness;

#[path = "../checks/threading_2.rs"]
mod checks;
