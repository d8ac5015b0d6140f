//! Checks `exercises/src/threading_3.rs`: `cargo test -p exercises --test threading_3`.

use exercises::threading_3 as exercise;

#[path = "../checks/harness.rs"]
mod harness;

#[path = "../checks/threading_3.rs"]
mod checks;
