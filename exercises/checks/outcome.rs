//! What the check harness reports about each check, as one JSON line per check, for the exercise
//! runner (`--report FILE`). Shared by the harness and the runner through `#[path]`, so that the
//! two cannot disagree on its fields.

use serde::{Deserialize, Serialize};

/// The outcome of one check of one exercise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckOutcome {
    /// The exercise's name, `threading-1`.
    pub exercise: String,
    /// The check's name, `results_keep_the_order_of_the_urls`.
    pub check: String,
    /// True only if the check ran to its end, passed, and its process exited cleanly.
    pub passed: bool,
    /// Why it failed, on one line, with where (`not yet implemented (exercises/src/…:22)`).
    pub reason: Option<String>,
    /// The whole failure message: an assertion's `left` and `right`, for instance.
    pub details: Option<String>,
    /// What the check's process printed: the learner's own `println!`s, a crash's last words.
    pub output: String,
}
