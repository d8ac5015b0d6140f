//! Figures published for real CPython, to hold this machine's against. Each experiment prints its
//! own measurement next to one of these and says where they differ; none is ever shown as ours.
//! Sources as gathered in the workspace's reference notes (/work/shared/REFERENCE.md).

/// A figure someone measured on real CPython, and where.
pub struct Published {
    /// What was measured, by whom, on what.
    pub source: &'static str,
    /// The figure, as a ratio comparable with the experiment's.
    pub ratio: f64,
    /// What the ratio is.
    pub meaning: &'static str,
}

/// countdown(100M) on 1 and 4 threads, 6.52 s and 6.59 s (V. Skvortsov, 2-core laptop).
pub const CPU_BOUND: Published = Published {
    source: "Skvortsov, countdown(100M) on a 2-core laptop",
    ratio: 6.52 / 6.59,
    meaning: "speedup of 4 threads",
};

/// bpo-7946: one I/O thread next to one CPU thread at 5 ms, about 100 requests/s (two I/O
/// operations per request, each waiting for a 5 ms interval).
pub const CONVOY_5MS_REQUESTS_PER_S: f64 = 100.0;

/// The interval sweep: 2 threads at 10 µs, 12.29 s against 6.53 s for one (Skvortsov).
pub const SWEEP_2_THREADS_10US: Published = Published {
    source: "Skvortsov, countdown(100M), 2 threads at 10 µs",
    ratio: 12.29 / 6.53,
    meaning: "time against one thread",
};

/// sha256 of 1 GB on 1 and 4 threads of a 2-core machine: 3.30 s and 1.50 s (GIL released).
pub const NATIVE_RELEASED: Published = Published {
    source: "sha256 of 1 GB, hashlib releasing the GIL, 4 threads on 2 cores",
    ratio: 3.30 / 1.50,
    meaning: "speedup",
};

/// D. Beazley (2009): 24.6 s sequential, 45.5 s on 2 threads of a dual-core under Python 2.6.
pub const LEGACY_BATTLE: Published = Published {
    source: "Beazley 2009, Python 2.6, 2 threads on a dual-core",
    ratio: 45.5 / 24.6,
    meaning: "time against sequential",
};

/// "They measured X; this run measured Y" for a finding.
pub fn versus(published: &Published, ours: f64) -> String {
    let verdict = if (ours / published.ratio - 1.0).abs() <= 0.10 {
        "within 10 % of it".to_string()
    } else {
        format!("{:.2}× theirs", ours / published.ratio)
    };
    format!(
        "For comparison, {}: {} {:.2}×; this run {:.2}× ({verdict}).",
        published.source, published.meaning, published.ratio, ours
    )
}
