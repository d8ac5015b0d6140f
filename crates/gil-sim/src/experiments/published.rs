//! Figures published for real CPython, to hold this machine's against. An experiment prints its
//! own measurement next to one of these, names where it comes from, and never shows it as ours.

use lesson_kit::Source;

use super::sources::{BEAZLEY_2009, SKVORTSOV};

/// A figure someone measured on real CPython, and where.
pub struct Published {
    /// What was measured, on what.
    pub what: &'static str,
    pub source: Source,
    /// The figure, as a ratio comparable with the experiment's.
    pub ratio: f64,
    /// What the ratio is.
    pub meaning: &'static str,
}

/// countdown(100M) on 1 and 4 threads: 6.52 s and 6.59 s (CPython 3.9, a 2-core laptop).
pub const CPU_BOUND: Published = Published {
    what: "countdown(100M) on a 2-core laptop",
    source: SKVORTSOV,
    ratio: 6.52 / 6.59,
    meaning: "speedup of 4 threads",
};

/// The sweep: 4 threads at a 10 µs interval, 19.15 s against 6.53 s for one thread.
pub const SWEEP_4_THREADS_10US: Published = Published {
    what: "countdown(100M) on 4 threads at a 10 µs interval",
    source: SKVORTSOV,
    ratio: 19.15 / 6.53,
    meaning: "time against one thread",
};

/// 24.6 s sequential, 45.5 s on 2 threads of a dual-core, Python 2.6.
pub const LEGACY_BATTLE: Published = Published {
    what: "countdown on 2 threads of a dual-core, Python 2.6",
    source: BEAZLEY_2009,
    ratio: 45.5 / 24.6,
    meaning: "time against sequential",
};

/// "They measured X; this run measured Y", for a finding.
pub fn versus(published: &Published, ours: f64) -> String {
    let verdict = if (ours / published.ratio - 1.0).abs() <= 0.10 {
        "within 10 % of it".to_string()
    } else {
        format!("{:.2}× theirs", ours / published.ratio)
    };
    format!(
        "For comparison, {} ({}): {} {:.2}×; this run {:.2}× ({verdict}).",
        published.what, published.source.name, published.meaning, published.ratio, ours
    )
}
