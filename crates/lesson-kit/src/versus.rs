//! `Versus` and `Skipped`: what a lesson's `compare` measured on both sides, typed for the
//! workspace-wide table.
//!
//! A comparison's [`Outcome`](crate::Outcome) tells a reader its story in runs, findings and
//! claims, whose labels are prose. The workspace's `compare` (`cargo run -p lesson-kit --bin
//! compare`) needs the same figures as data: which experiment, what was timed, CPython's samples
//! and Rust's. So each comparison also lists its pairs here, and what it could not run and why,
//! and the table reads these fields, never a label. (Parsing "CPython: 4 threads" out of a run's
//! label was the rejected alternative: a reworded label would silently drop a row.)

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::samples::Samples;

/// One thing timed on both sides: CPython running the twin, Rust running the lesson's code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Versus {
    /// The lesson's experiment the pair belongs to (`waiting`, not `compare-waiting`): the name
    /// a reader types to run the Rust side alone.
    pub experiment: String,
    /// What was timed, the same on both sides: `sequential`, `4 threads`, `2 threads against 1`.
    pub timed: String,
    /// CPython's samples, in the order they ran.
    pub cpython: Samples,
    /// Rust's samples of the same thing, in the same unit (seconds, or a ratio such as a speedup).
    pub rust: Samples,
}

impl Versus {
    pub fn new(
        experiment: impl Into<String>,
        timed: impl Into<String>,
        cpython: &Samples,
        rust: &Samples,
    ) -> Self {
        Versus {
            experiment: experiment.into(),
            timed: timed.into(),
            cpython: cpython.clone(),
            rust: rust.clone(),
        }
    }

    /// CPython's figure over Rust's, pair by pair (the two sides took turns, so each pair ran
    /// side by side): above 1, CPython took longer (or sped up more).
    pub fn ratio(&self) -> Samples {
        Samples::ratios(&self.cpython, &self.rust)
    }
}

/// Part of a comparison that did not run, and what it lacked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The experiment, or part of one, left out: `legacy: the old GIL's CPython row`.
    pub what: String,
    pub missing: Missing,
}

impl Skipped {
    pub fn new(what: impl Into<String>, missing: Missing) -> Self {
        Skipped {
            what: what.into(),
            missing,
        }
    }
}

/// What a comparison needed and this machine did not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Missing {
    /// No `python3` on the PATH: no twin can run.
    Python3,
    /// python3 without Pillow: the image twins cannot run.
    Pillow,
    /// No Python 2 (`python2`, or the program named with `--python2`): no old-GIL twin.
    Python2,
    /// python3 without `dask.distributed`: the broker's Dask twin cannot run.
    Dask,
    /// No `redis-server` on the PATH: the broker's Rust side has no broker to talk to.
    RedisServer,
}

impl Missing {
    /// How to get it, for the line that says it was missing.
    pub fn remedy(self) -> &'static str {
        match self {
            Missing::Python3 => "install Python 3 so that `python3` is on the PATH",
            Missing::Pillow => "`python3 -m pip install Pillow` or `apt install python3-pil`",
            Missing::Python2 => "install a Python 2.7, or name one with the lesson's `--python2`",
            Missing::Dask => "`python3 -m pip install \"dask[distributed]\"`",
            Missing::RedisServer => "`sudo apt-get install redis-server` (Debian, Ubuntu)",
        }
    }
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Missing::Python3 => "no python3",
            Missing::Pillow => "no Pillow",
            Missing::Python2 => "no Python 2",
            Missing::Dask => "no Dask",
            Missing::RedisServer => "no redis-server",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Unit;

    #[test]
    fn the_ratio_is_cpython_over_rust_pair_by_pair() {
        let versus = Versus::new(
            "waiting",
            "sequential",
            &Samples::new(Unit::Seconds, [0.9, 1.2]),
            &Samples::new(Unit::Seconds, [0.3, 0.4]),
        );
        let ratio = versus.ratio();
        assert_eq!(ratio.unit, Unit::Ratio);
        assert!(ratio.values.iter().all(|r| (r - 3.0).abs() < 1e-9));
    }

    #[test]
    fn a_missing_program_is_kebab_case_in_json_and_words_for_people() {
        let json = serde_json::to_string(&Skipped::new("legacy", Missing::Python2)).unwrap();
        assert_eq!(json, r#"{"what":"legacy","missing":"python2"}"#);
        assert_eq!(Missing::Pillow.to_string(), "no Pillow");
        let json = serde_json::to_string(&Missing::RedisServer).unwrap();
        assert_eq!(json, r#""redis-server""#);
    }
}
