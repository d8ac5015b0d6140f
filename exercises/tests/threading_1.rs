//! Checks `exercises/src/threading_1.rs`: `cargo test -p exercises --test threading_1`.

use exercises::threading_1 as exercise;

#[path = "../checks/harness.rs"]
mod harness;

#[path = "../checks/threading_1.rs"]
mod checks;
