//! What `compare` measures at the settings the GIL chapter's sliders reach: gil-sim's real threads
//! and CPython, shown under the model's figures at those settings (see [`sliders`](crate::sliders)).
//!
//! Two of `compare`'s comparisons are slider settings: the interval sweep (2 and 4 CPU-bound
//! threads, no I/O, the GIL, at each of the four switch intervals) and the legacy battle (2
//! threads under the legacy GIL, which has no switch interval). They are run once here, the
//! Python twins with python3 (and Python 2 for the legacy lock) when there is one, and each case
//! becomes a [`Cell`]: the setting and each side's speedup over one thread doing it all, the
//! model's own figure. Every other setting says it was not measured.
//!
//! Rejected: taking the figures from the book's cached `compare` table, which only the book's
//! preprocessor reads (the figure would then need its own format for them), and computing them
//! in the page, which cannot run Python.

use std::path::PathBuf;
use std::time::Duration;

use lesson_kit::{Samples, Twins, Unit};

use crate::experiments::compare::{Pair, interval_sweep, legacy};
use crate::experiments::{GilSettings, Settings};
use crate::mode::Mode;
use crate::sliders::{INTERVALS, Setting};

/// What was measured at one setting (for the legacy GIL, at every interval: it has none).
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub setting: Setting,
    /// Speedups over one thread, one per turn.
    pub gil_sim: Samples,
    /// `None` when there was no CPython (or no Python 2) to run.
    pub cpython: Option<Samples>,
}

/// Every measured setting, and which Python measured the CPython side.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Measured {
    pub cells: Vec<Cell>,
    /// Why some side is missing, in words (no python3, a comparison that failed…).
    pub notes: Vec<String>,
}

impl Measured {
    /// Nothing measured: the model alone (for tests, and the same figure on every machine).
    pub fn none() -> Self {
        Measured::default()
    }

    /// What was measured at `setting`, if anything.
    pub fn at(&self, setting: &Setting) -> Option<&Cell> {
        self.cells.iter().find(|cell| {
            let s = &cell.setting;
            let same_interval = s.mode == Mode::Legacy || s.interval == setting.interval;
            same_interval
                && (s.threads, s.io_share, s.mode)
                    == (setting.threads, setting.io_share, setting.mode)
        })
    }
}

/// Runs the interval sweep's and the legacy battle's comparisons once, with the twins in
/// `twins_dir`: a few seconds per comparison (their runs last half a second each).
pub fn measure(twins_dir: PathBuf) -> Measured {
    let settings = Settings {
        repeat: 1,
        ..Settings::new(GilSettings::fixed())
    };
    let mut measured = Measured::none();
    let twins = match Twins::find(twins_dir) {
        Ok(twins) => twins,
        Err(error) => {
            measured.notes.push(format!("no CPython side: {error}"));
            return measured;
        }
    };
    match interval_sweep::measure(&settings, &twins) {
        Ok(sweep) => measured.cells.extend(sweep.cases.iter().map(|case| Cell {
            setting: cpu_setting(case.threads, Duration::from_secs_f64(case.interval_s)),
            gil_sim: speedups(&case.gil_sim),
            cpython: Some(speedups(&case.cpython)),
        })),
        Err(error) => measured.notes.push(format!("interval sweep: {error:#}")),
    }
    match legacy::measure(&settings, &twins) {
        Ok(battle) => measured.cells.push(Cell {
            setting: Setting {
                mode: Mode::Legacy,
                ..cpu_setting(2, INTERVALS[0])
            },
            gil_sim: speedups(&battle.legacy),
            cpython: battle.python2.map(|python2| speedups(&python2.pairs)),
        }),
        Err(error) => measured.notes.push(format!("legacy: {error:#}")),
    }
    measured
}

/// CPU-bound threads under the new GIL at `interval`: the interval sweep's settings.
fn cpu_setting(threads: usize, interval: Duration) -> Setting {
    Setting {
        interval,
        threads,
        io_share: 0,
        mode: Mode::Cpython312,
    }
}

fn speedups(pairs: &[Pair]) -> Samples {
    Samples::new(Unit::Ratio, pairs.iter().map(Pair::speedup))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_legacy_cell_stands_at_every_interval_and_a_gil_cell_at_its_own() {
        let cell = |setting| Cell {
            setting,
            gil_sim: Samples::new(Unit::Ratio, [0.7]),
            cpython: None,
        };
        let legacy = Setting {
            mode: Mode::Legacy,
            ..cpu_setting(2, INTERVALS[0])
        };
        let measured = Measured {
            cells: vec![cell(cpu_setting(4, INTERVALS[1])), cell(legacy)],
            notes: Vec::new(),
        };
        assert!(measured.at(&cpu_setting(4, INTERVALS[1])).is_some());
        assert!(measured.at(&cpu_setting(4, INTERVALS[0])).is_none());
        assert!(
            measured
                .at(&Setting {
                    interval: INTERVALS[3],
                    ..legacy
                })
                .is_some()
        );
        assert!(
            measured
                .at(&Setting {
                    threads: 3,
                    ..legacy
                })
                .is_none()
        );
    }
}
