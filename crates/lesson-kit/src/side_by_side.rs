//! `SideBySide`: one workload's two timelines, CPython's and Rust's, kept together.
//!
//! A comparison (`cargo run -p LESSON -- compare`) runs a Python twin and the Rust code on the
//! same workload. Each side records its own spans on its own clock, from its own run's start: the
//! Rust side with a [`Trace`](crate::Trace), the twin with `crates/lesson-kit/python/
//! lesson_spans.py`, which prints the same [`TraceData`] shape inside the twin's JSON. The
//! comparison's [`Outcome`](crate::Outcome) keeps both here, typed, so that `--json` carries
//! them, `--trace-out` writes them as two processes for Perfetto, and the book draws them on one
//! time axis (`{{#side-by-side LESSON EXPERIMENT}}`).
//!
//! Why two traces rather than one merged trace with prefixed lane names: the two clocks are not
//! the same clock (two processes, two starts), and a reader (or Perfetto) should see two runs
//! laid side by side, not one run that never happened.

use serde::{Deserialize, Serialize};

use crate::trace::TraceData;

/// CPython's timeline and Rust's, of the same workload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SideBySide {
    /// `Python 3.11.7`: the interpreter that ran the twin.
    pub python: String,
    /// The twin's spans, as it printed them.
    pub cpython: TraceData,
    /// The Rust side's spans, from the same workload.
    pub rust: TraceData,
    /// What a reader must know to read the picture honestly, e.g. which lanes of many are drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl SideBySide {
    pub fn new(python: impl Into<String>, cpython: TraceData, rust: TraceData) -> Self {
        SideBySide {
            python: python.into(),
            cpython,
            rust,
            note: None,
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// The two sides as (label, trace), CPython first: the order the book and Perfetto show them.
    pub fn sides(&self) -> [(String, &TraceData); 2] {
        [
            (format!("CPython ({})", self.python), &self.cpython),
            ("Rust".to_string(), &self.rust),
        ]
    }

    /// The longer of the two runs: the end of the shared time axis.
    pub fn duration_s(&self) -> f64 {
        [&self.cpython, &self.rust]
            .iter()
            .flat_map(|t| t.spans.iter().map(|s| s.end_s))
            .fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Clock, State};

    /// The shape `lesson_spans.py` prints, written out: Rust must read it as a `TraceData`.
    const FROM_PYTHON: &str = r#"{"clock": "measured", "lanes": ["thread 1", "thread 2"],
        "spans": [
          {"lane": "thread 1", "state": "running", "start_s": 0.0, "end_s": 0.004},
          {"lane": "thread 1", "state": "waiting-for-gil", "start_s": 0.004, "end_s": 0.009},
          {"lane": "thread 2", "state": "waiting-for-io", "start_s": 0.001, "end_s": 0.3}]}"#;

    #[test]
    fn the_twins_span_shape_reads_as_a_trace() {
        let data: TraceData = serde_json::from_str(FROM_PYTHON).expect("the Python shape");
        assert_eq!(data.clock, Clock::Measured);
        assert_eq!(data.spans[1].state, State::WaitingForGil);
        assert_eq!(data.spans[2].state, State::WaitingForIo);
        let pair = SideBySide::new("Python 3.11.7", data.clone(), data);
        assert_eq!(pair.duration_s(), 0.3);
        assert_eq!(pair.sides()[0].0, "CPython (Python 3.11.7)");
    }

    #[test]
    fn an_unknown_state_is_an_error_that_names_it() {
        let wrong = FROM_PYTHON.replace("waiting-for-io", "blocked");
        let error = serde_json::from_str::<TraceData>(&wrong).expect_err("no such state");
        assert!(error.to_string().contains("blocked"), "{error}");
    }
}
