//! Runs the checks of threading-1 against the model answer.

use solutions::threading_1 as exercise;

#[path = "../../exercises/checks/harness.rs"]
mod harness;

#[path = "../../exercises/checks/threading_1.rs"]
mod checks;
