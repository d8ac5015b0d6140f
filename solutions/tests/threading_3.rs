//! Runs the checks of threading-3 against the model answer.

use solutions::threading_3 as exercise;

#[path = "../../exercises/checks/harness.rs"]
mod harness;

#[path = "../../exercises/checks/threading_3.rs"]
mod checks;
