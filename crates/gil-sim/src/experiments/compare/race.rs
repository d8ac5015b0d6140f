//! `race` beside `python/race.py`: four threads, `counter += 1`, plain and with a lock, on
//! CPython (with its GIL, or without it on a free-threaded build) and on gil-sim's GIL and
//! no-GIL modes. These are counts, not times: each side's lost updates, turn by turn.

use lesson_kit::report::group_thousands;
use lesson_kit::{Figure, Outcome, Run, Samples, Timing, Twins, Unit};
use serde::{Deserialize, Serialize};

use super::{in_turns, intro, once};
use crate::experiments::{Settings, race};

/// What `python/race.py` prints.
#[derive(Debug, Deserialize, Serialize)]
pub struct Twin {
    /// `sys._is_gil_enabled()` (True before 3.13, which has no such function).
    pub gil_enabled: bool,
    pub expected: u64,
    pub counted: u64,
    pub plain_s: f64,
    pub locked_counted: u64,
    pub locked_s: f64,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    /// `Python 3.11.7`.
    pub python: String,
    pub turns: usize,
    pub increments: u64,
    pub cpython: Vec<Twin>,
    pub gil_sim: Vec<race::Figures>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let once = once(settings);
    let increments = race::increments(&once);
    let args = [
        format!("--threads={}", race::THREADS),
        format!("--increments={increments}"),
        format!("--switch-interval={}", race::GIL_INTERVAL.as_secs_f64()),
    ];
    let turns = in_turns::<Twin, _>(settings, twins, "race.py", &args, || race::measure(&once))?;
    Ok(Figures {
        python: twins.version.clone(),
        turns: turns.cpython.len(),
        increments,
        cpython: turns.cpython,
        gil_sim: turns.gil_sim,
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let expected = race::THREADS as u64 * figures.increments;
    let what = format!(
        "{} threads each add one {} times to one counter, plainly and inside a lock.",
        race::THREADS,
        group_thousands(figures.increments)
    );
    let cpython_gil = figures.cpython.iter().all(|t| t.gil_enabled);
    let build = if cpython_gil { "GIL" } else { "no GIL" };
    let lost = |counts: Vec<u64>| -> Samples {
        Samples::new(
            Unit::Count,
            counts.iter().map(|&c| expected.saturating_sub(c) as f64),
        )
    };
    let cpython = |count: fn(&Twin) -> u64, seconds: fn(&Twin) -> f64| Counted {
        lost: lost(figures.cpython.iter().map(count).collect()),
        timing: Timing::wall_seconds(figures.cpython.iter().map(seconds)),
    };
    let gil_sim = |side: fn(&race::Figures) -> &race::Counted| {
        let counts = figures.gil_sim.iter().flat_map(|g| side(g).counts.clone());
        let walls = figures
            .gil_sim
            .iter()
            .flat_map(|g| side(g).timing.wall.values.clone());
        Counted {
            lost: lost(counts.collect()),
            timing: Timing::wall_seconds(walls),
        }
    };
    let plain = cpython(|t| t.counted, |t| t.plain_s);
    let (gil, no_gil) = (gil_sim(|g| &g.gil), gil_sim(|g| &g.no_gil));
    Outcome::new("compare-race", "The counter race: CPython beside gil-sim")
        .intro(intro(&figures.python, "race.py", figures.turns, &what))
        .run(row(format!("CPython ({build}), plain"), &plain))
        .run(row(
            format!("CPython ({build}), lock"),
            &cpython(|t| t.locked_counted, |t| t.locked_s),
        ))
        .run(row("gil-sim, GIL, plain", &gil))
        .run(row("gil-sim, no GIL, plain", &no_gil))
        .run(row("gil-sim, no GIL, lock", &gil_sim(|g| &g.no_gil_locked)))
        .finding(finding(
            &figures.python,
            cpython_gil,
            &[&plain.lost, &gil.lost, &no_gil.lost],
        ))
}

/// One side's lost updates and times, turn by turn.
struct Counted {
    lost: Samples,
    timing: Timing,
}

/// `lost`: CPython's, then gil-sim's under its GIL and with none.
fn finding(python: &str, with_gil: bool, lost: &[&Samples; 3]) -> String {
    let [cpython, gil, no_gil] = lost;
    if with_gil {
        format!(
            "{python} runs with its GIL: it lost {cpython} updates, gil-sim under its GIL \
             {gil}. A free-threaded build (3.13t, 3.14t) is gil-sim's no-GIL row, which lost \
             {no_gil}: run python/race.py with one to see CPython's."
        )
    } else {
        format!(
            "{python} runs without a GIL: it lost {cpython} updates, gil-sim with no GIL \
             {no_gil}."
        )
    }
}

fn row(label: impl Into<String>, counted: &Counted) -> Run {
    Run::timed(label, &counted.timing).figure("lost updates", Figure::Spread(counted.lost.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(counts: &[u64]) -> race::Counted {
        race::Counted {
            counts: counts.to_vec(),
            timing: Timing::wall_seconds([0.01]),
        }
    }

    fn figures(gil_enabled: bool) -> Figures {
        Figures {
            python: "Python 3.11.7".into(),
            turns: 1,
            increments: 1_000,
            cpython: vec![Twin {
                gil_enabled,
                expected: 4_000,
                counted: if gil_enabled { 4_000 } else { 3_100 },
                plain_s: 0.2,
                locked_counted: 4_000,
                locked_s: 0.4,
            }],
            gil_sim: vec![race::Figures {
                threads: 4,
                increments: 1_000,
                gil: counted(&[4_000]),
                gil_switches: Samples::new(Unit::Count, [50.0]),
                no_gil: counted(&[2_500]),
                no_gil_locked: counted(&[4_000]),
            }],
        }
    }

    #[test]
    fn a_cpython_with_its_gil_is_set_beside_gil_sims_gil() {
        let outcome = report(&figures(true));
        assert_eq!(outcome.runs.len(), 5);
        assert!(outcome.runs[0].label.contains("(GIL)"));
        assert!(
            outcome.findings[0].contains("runs with its GIL"),
            "{:?}",
            outcome.findings
        );
        assert!(
            outcome.findings[0].contains("1,500"),
            "{:?}",
            outcome.findings
        );
    }

    #[test]
    fn a_free_threaded_cpython_is_set_beside_the_no_gil_mode() {
        let outcome = report(&figures(false));
        assert!(outcome.runs[0].label.contains("(no GIL)"));
        assert!(
            outcome.findings[0].contains("lost 900"),
            "{:?}",
            outcome.findings
        );
    }
}
