//! Runs the checks of threading-2 against the model answer.

use solutions::threading_2 as exercise;

#[path = "../../exercises/checks/harness.rs"]
mod harness;

#[path = "../../exercises/checks/threading_2.rs"]
mod checks;
