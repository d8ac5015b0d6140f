//! `Samples`: one figure measured several times, and `alternate`, the way to measure it.
//!
//! One run of a timed comparison proves little on a shared machine: a single slow baseline makes a
//! speedup out of nothing. So every timed figure is measured `--repeat` times, the variants taking
//! turns (A B A B …, never A A A B B B, so that a machine that slows down half-way slows both), and
//! reported as its median with its range. A verdict is then decided from every sample, not from one.

use std::fmt;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::format::{
    ends, format_bytes, format_bytes_range, format_seconds, format_seconds_range, group_thousands,
};
use crate::measure::Measurement;
use crate::progress::Turns;

/// What a sample counts, so that it prints the way every lesson prints that unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Seconds,
    /// A multiplier: a speedup, a slowdown, "× one delay".
    Ratio,
    Count,
    Bytes,
}

impl Unit {
    /// One value in this unit: `0.301` seconds → `301.0 ms`, `1.98` → `1.98×`.
    pub fn format(self, value: f64) -> String {
        match self {
            Unit::Seconds => format_seconds(value),
            Unit::Ratio => format!("{value:.2}×"),
            Unit::Count => group_thousands(value.max(0.0).round() as u64),
            Unit::Bytes => format_bytes(value.max(0.0).round() as u64),
        }
    }

    /// `min`–`max` in this unit, said once, in the unit and precision `median` prints with, so
    /// that a median never prints outside its own range: `61.0–4,012.0 µs` for a median of
    /// 67.2 µs, `0.96–1.21×`, `3–5`; the one value when both ends print alike.
    pub fn format_range(self, min: f64, max: f64, median: f64) -> String {
        match self {
            Unit::Seconds => format_seconds_range(min, max, median),
            Unit::Ratio => ends(min, max, 2, "×"),
            Unit::Count => ends(min.max(0.0).round(), max.max(0.0).round(), 0, ""),
            Unit::Bytes => format_bytes_range(min.max(0.0), max.max(0.0), median.max(0.0)),
        }
    }
}

/// Every value one figure took over the repeated runs, in the order they were measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Samples {
    pub unit: Unit,
    pub values: Vec<f64>,
}

impl Samples {
    pub fn new(unit: Unit, values: impl IntoIterator<Item = f64>) -> Self {
        Samples {
            unit,
            values: values.into_iter().collect(),
        }
    }

    /// Wall times, in seconds.
    pub fn seconds(durations: impl IntoIterator<Item = Duration>) -> Self {
        Samples::new(
            Unit::Seconds,
            durations.into_iter().map(|d| d.as_secs_f64()),
        )
    }

    /// `a[i] / b[i]` for each pair of samples measured side by side: a speedup is
    /// `Samples::ratios(&sequential, &threaded)`. Pairs whose divisor is not positive are left out.
    pub fn ratios(a: &Samples, b: &Samples) -> Samples {
        let pairs = a.values.iter().zip(&b.values);
        Samples::new(
            Unit::Ratio,
            pairs.filter(|(_, b)| **b > 0.0).map(|(a, b)| a / b),
        )
    }

    /// Each value through `f`, now counted in `unit`.
    pub fn map(&self, unit: Unit, f: impl Fn(f64) -> f64) -> Samples {
        Samples::new(unit, self.values.iter().map(|&v| f(v)))
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The middle value (the mean of the two middle ones for an even count; 0 for none): the
    /// figure to quote, since one slow outlier does not move it.
    pub fn median(&self) -> f64 {
        let mut sorted = self.values.clone();
        sorted.sort_by(f64::total_cmp);
        let mid = sorted.len() / 2;
        match sorted.len() {
            0 => 0.0,
            n if n % 2 == 0 => (sorted[mid - 1] + sorted[mid]) / 2.0,
            _ => sorted[mid],
        }
    }

    /// The `p`-th percentile (`p` from 0 to 100), by nearest rank: `percentile(90.0)` is the value
    /// 90 % of the samples are at or below, and always one of the samples (0 for none). Nearest
    /// rank rather than interpolation, so that a tail latency quoted is one that was measured.
    pub fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.values.clone();
        sorted.sort_by(f64::total_cmp);
        if sorted.is_empty() {
            return 0.0;
        }
        let rank = (p.clamp(0.0, 100.0) / 100.0 * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    }

    pub fn min(&self) -> f64 {
        self.values.iter().copied().reduce(f64::min).unwrap_or(0.0)
    }

    pub fn max(&self) -> f64 {
        self.values.iter().copied().reduce(f64::max).unwrap_or(0.0)
    }

    /// The range in words, in the median's unit: `0.96–1.21×`, or the one value when every
    /// sample prints alike.
    pub fn range(&self) -> String {
        self.unit
            .format_range(self.min(), self.max(), self.median())
    }
}

impl fmt::Display for Samples {
    /// The median, then the range when its ends print differently: `1.98× (1.90–2.02×)`,
    /// `67.2 µs (61.0–4,012.0 µs)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let median = self.unit.format(self.median());
        let range = self.range();
        if range.contains('–') {
            write!(f, "{median} ({range})")
        } else {
            write!(f, "{median}")
        }
    }
}

/// Wall and CPU time of one variant over its repeated runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub wall: Samples,
    /// User + system time, where the OS reports it.
    pub cpu: Option<Samples>,
}

impl Timing {
    pub fn of(measurements: &[Measurement]) -> Self {
        let cpu: Option<Vec<Duration>> = measurements.iter().map(|m| m.cpu).collect();
        Timing {
            wall: Samples::seconds(measurements.iter().map(|m| m.wall)),
            cpu: cpu.map(Samples::seconds),
        }
    }

    /// A timing from seconds measured one run at a time: a twin prints them, a test fixes them.
    /// The CPU column stays empty unless every run has a CPU time (a column with holes would
    /// give a median of some runs only).
    pub fn from_seconds(
        wall: impl IntoIterator<Item = f64>,
        cpu: impl IntoIterator<Item = Option<f64>>,
    ) -> Self {
        let cpu: Option<Vec<f64>> = cpu.into_iter().collect();
        Timing {
            wall: Samples::new(Unit::Seconds, wall),
            cpu: cpu
                .filter(|c| !c.is_empty())
                .map(|c| Samples::new(Unit::Seconds, c)),
        }
    }

    /// A timing of wall-clock seconds only: `Timing::wall_seconds([0.9, 0.91, 0.905])`.
    pub fn wall_seconds(wall: impl IntoIterator<Item = f64>) -> Self {
        Timing::from_seconds(wall, [])
    }

    /// The median wall time, in seconds.
    pub fn wall_s(&self) -> f64 {
        self.wall.median()
    }
}

/// Runs each variant `times` times, taking turns (A B A B …), and returns each variant's results
/// in the order they were measured: `let [in_turn, together] = alternate(3, [&mut a, &mut b]);`
/// Past a couple of seconds it shows which repeat and which run it is at, on stderr.
pub fn alternate<T, const N: usize>(
    times: usize,
    mut variants: [&mut dyn FnMut() -> T; N],
) -> [Vec<T>; N] {
    let times = times.max(1);
    let mut results: [Vec<T>; N] = std::array::from_fn(|_| Vec::with_capacity(times));
    // A long measurement says where it is on stderr (see `progress`).
    let mut progress = Turns::on_stderr(times, N);
    for repeat in 0..times {
        for (run, (variant, out)) in variants.iter_mut().zip(results.iter_mut()).enumerate() {
            progress.before(repeat, run, Instant::now());
            out.push(variant());
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_min_max_and_range() {
        let s = Samples::new(Unit::Ratio, [1.21, 0.96, 1.05]);
        assert_eq!(s.median(), 1.05);
        assert_eq!((s.min(), s.max()), (0.96, 1.21));
        assert_eq!(s.range(), "0.96–1.21×");
        assert_eq!(s.to_string(), "1.05× (0.96–1.21×)");
        let t = Samples::new(Unit::Seconds, [0.903, 0.91]);
        assert_eq!(t.range(), "903.0–910.0 ms");
        let even = Samples::new(Unit::Seconds, [4.0, 1.0, 3.0, 2.0]);
        assert_eq!(even.median(), 2.5);
        assert_eq!(Samples::new(Unit::Count, []).median(), 0.0);
    }

    #[test]
    fn agreeing_samples_print_one_value() {
        let s = Samples::new(Unit::Count, [3.0, 3.0]);
        assert_eq!(s.range(), "3");
        assert_eq!(s.to_string(), "3");
        let spread = Samples::new(Unit::Seconds, [0.0000672, 0.000061, 0.004012]);
        assert_eq!(
            spread.to_string(),
            "67.2 µs (61.0–4,012.0 µs)",
            "the range in the median's unit, never below it"
        );
        let close = Samples::new(Unit::Ratio, [0.981, 0.979]);
        assert_eq!(
            close.to_string(),
            "0.98×",
            "no range when both ends print alike"
        );
    }

    #[test]
    fn percentile_by_nearest_rank() {
        let s = Samples::new(Unit::Seconds, (1..=10).rev().map(f64::from));
        assert_eq!(s.percentile(90.0), 9.0);
        assert_eq!(s.percentile(50.0), 5.0);
        assert_eq!(s.percentile(100.0), 10.0);
        assert_eq!(s.percentile(0.0), 1.0);
        assert_eq!(s.percentile(95.0), 10.0, "a rank between two rounds up");
        assert_eq!(Samples::new(Unit::Seconds, []).percentile(90.0), 0.0);
    }

    #[test]
    fn a_timing_from_seconds_has_a_cpu_column_only_when_every_run_has_one() {
        let both = Timing::from_seconds([0.3, 0.2], [Some(0.1), Some(0.05)]);
        assert_eq!(both.wall, Samples::new(Unit::Seconds, [0.3, 0.2]));
        assert_eq!(both.cpu, Some(Samples::new(Unit::Seconds, [0.1, 0.05])));
        let holed = Timing::from_seconds([0.3, 0.2], [Some(0.1), None]);
        assert_eq!(holed.cpu, None);
        let wall_only = Timing::wall_seconds([0.3, 0.2]);
        assert_eq!(wall_only.cpu, None);
        assert_eq!(wall_only.wall_s(), 0.25);
    }

    #[test]
    fn ratios_pair_the_samples_in_order() {
        let seq = Samples::new(Unit::Seconds, [0.9, 1.0]);
        let thr = Samples::new(Unit::Seconds, [0.3, 0.0]);
        let speedup = Samples::ratios(&seq, &thr);
        assert_eq!(speedup.unit, Unit::Ratio);
        assert_eq!(speedup.values.len(), 1, "a zero divisor is left out");
        assert!((speedup.values[0] - 3.0).abs() < 1e-9);
    }

    #[test]
    fn alternate_takes_turns() {
        let mut order = Vec::new();
        let log = std::cell::RefCell::new(&mut order);
        let [a, b] = alternate(
            3,
            [
                &mut || {
                    log.borrow_mut().push('A');
                    1
                },
                &mut || {
                    log.borrow_mut().push('B');
                    2
                },
            ],
        );
        assert_eq!(a, vec![1, 1, 1]);
        assert_eq!(b, vec![2, 2, 2]);
        assert_eq!(order.iter().collect::<String>(), "ABABAB");
    }
}
