//! Experiment `interval-sweep`: the same CPU-bound work on one thread, then split over 2 and 4
//! threads at switch intervals from CPython's 5 ms down to 10 µs. A shorter interval means more
//! hand-overs, and every hand-over leaves the GIL idle while the next holder wakes up.
//!
//! Python twin: `python/interval_sweep.py`. Example: `examples/05_switch_interval.rs`.

use std::time::Duration;

use lesson_kit::report::format_seconds;
use lesson_kit::{Claim, Figure, Outcome, Run, Samples, Timing, Trace, Unit, Verdict, alternate};
use serde::Serialize;

use super::sources::{SKVORTSOV, SWITCH_INTERVAL_DOCS};
use super::{
    LessonError, MODEL_COLUMN, ModelCosts, Settings, ThreadsRun, countdown_threads, model_note,
    published, switches, timing,
};
use crate::model::{self, ThreadSpec};
use crate::{DEFAULT_SWITCH_INTERVAL, Mode};

const MS: Duration = Duration::from_millis(1);
const US: Duration = Duration::from_micros(1);

/// Every run of the sweep, in the order they take turns: one thread first (the baseline), then
/// 2 and 4 threads at each interval, longest first.
pub const CASES: [(usize, Duration); 9] = [
    (1, DEFAULT_SWITCH_INTERVAL),
    (2, Duration::from_millis(5)),
    (2, Duration::from_millis(1)),
    (2, Duration::from_micros(100)),
    (2, Duration::from_micros(10)),
    (4, Duration::from_millis(5)),
    (4, Duration::from_millis(1)),
    (4, Duration::from_micros(100)),
    (4, Duration::from_micros(10)),
];

/// How long the one-thread run lasts: 40 ms by default, 0.5 s with `--full` (long enough that a
/// few slow hand-overs do not move the figure).
pub fn run_length(settings: &Settings) -> Duration {
    settings.size(Duration::from_millis(40), Duration::from_millis(500))
}

/// What `measure` found.
#[derive(Debug, Serialize)]
pub struct Figures {
    /// The countdown's total length, split evenly over the threads of each run.
    pub total_iterations: u64,
    /// One per case of [`CASES`], in that order (the first is the one-thread baseline).
    pub runs: Vec<SweepRun>,
    pub costs: ModelCosts,
    /// The timeline of the last run of 2 threads at 1 ms.
    pub trace: Trace,
}

/// One case of the sweep, over its repeated runs.
#[derive(Debug, Serialize)]
pub struct SweepRun {
    pub threads: usize,
    pub interval_s: f64,
    pub timing: Timing,
    pub switches: Samples,
    pub model_s: f64,
    pub model_switches: u64,
}

impl SweepRun {
    /// "2 threads, 1.0 ms", or "1 thread" for the baseline.
    pub fn label(&self) -> String {
        if self.threads == 1 {
            "1 thread".into()
        } else {
            format!(
                "{} threads, {}",
                self.threads,
                format_seconds(self.interval_s)
            )
        }
    }

    /// Each run's wall time divided by its switches: how long a thread kept the GIL.
    pub fn timeslices(&self) -> Samples {
        let pairs = self.timing.wall.values.iter().zip(&self.switches.values);
        Samples::new(
            Unit::Seconds,
            pairs.filter(|(_, n)| **n > 0.0).map(|(wall, n)| wall / n),
        )
    }
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let config = &settings.lesson.model;
    let total = config.checkpoints_in(run_length(settings));
    let mut variants = CASES.map(|(threads, interval)| {
        move || countdown_threads(Mode::Cpython312, interval, threads, total / threads as u64)
    });
    let results = alternate(
        settings.repeat,
        variants
            .each_mut()
            .map(|v| v as &mut dyn FnMut() -> ThreadsRun),
    );
    let runs = CASES
        .iter()
        .zip(&results)
        .map(|(&(threads, interval), runs)| {
            let share = total / threads as u64;
            let predicted = model::simulate(
                &config.with_switch_interval(interval),
                &vec![ThreadSpec::cpu(share); threads],
            );
            SweepRun {
                threads,
                interval_s: interval.as_secs_f64(),
                timing: timing(runs),
                switches: switches(runs),
                model_s: predicted.total.as_secs_f64(),
                model_switches: predicted.switches,
            }
        })
        .collect();
    let trace = results[2]
        .last()
        .map_or_else(Trace::new, |r| r.trace.clone());
    Ok(Figures {
        total_iterations: total,
        runs,
        costs: ModelCosts::of(config),
        trace,
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let mut outcome = Outcome::new(
        "interval-sweep",
        "The switch interval: shorter means more switches, not more speed",
    )
    .intro(format!(
        "countdown({}) on one thread, then split evenly over 2 and 4 threads at switch intervals \
         from 5 ms to 10 µs (sys.setswitchinterval). The one-thread run lasts about {}; \
         `--full` makes it 0.5 s.",
        figures.total_iterations,
        format_seconds(figures.runs.first().map_or(0.0, |r| r.timing.wall_s()))
    ))
    .intro(model_note(&figures.costs));
    for run in &figures.runs {
        outcome = outcome.run(row(run));
    }
    outcome = outcome
        .speedups_against("1 thread")
        .trace(figures.trace.clone());
    let Some(runs) = Landmarks::of(figures) else {
        return outcome.problem("the sweep is missing a run it should have");
    };
    outcome
        .finding(format!(
            "Against one thread, 2 threads took {} as long at 5 ms and {} at 10 µs; 4 threads {} \
             and {}.",
            runs.against_one(runs.two_5ms),
            runs.against_one(runs.two_10us),
            runs.against_one(runs.four_5ms),
            runs.against_one(runs.four_10us),
        ))
        .finding(format!(
            "At 10 µs a thread kept the GIL {} on average before handing it over, not 10 µs: a \
             waiter's timer fires late (timer slack) and the next holder takes time to wake.",
            format_seconds(runs.two_10us.timeslices().median())
        ))
        .finding(published::versus(
            &published::SWEEP_4_THREADS_10US,
            runs.against_one(runs.four_10us).median(),
        ))
        .claim(timeslice_claim(&runs))
        .claim(slower_claim(&runs))
}

/// One case's row: its switches, its timeslice (with more than one thread), the model beside.
fn row(run: &SweepRun) -> Run {
    let mut row = Run::timed(run.label(), &run.timing)
        .figure("switches", Figure::Spread(run.switches.clone()));
    if run.threads > 1 {
        row = row.figure("timeslice", Figure::Seconds(run.timeslices().median()));
    }
    row.figure(MODEL_COLUMN, Figure::Seconds(run.model_s))
        .figure("model switches", Figure::Count(run.model_switches))
}

/// The runs the findings and claims are about.
struct Landmarks<'a> {
    one: &'a SweepRun,
    two_5ms: &'a SweepRun,
    four_5ms: &'a SweepRun,
    two_10us: &'a SweepRun,
    four_10us: &'a SweepRun,
}

impl<'a> Landmarks<'a> {
    fn of(figures: &'a Figures) -> Option<Self> {
        let find = |threads: usize, interval: Duration| {
            figures
                .runs
                .iter()
                .find(|r| r.threads == threads && r.interval_s == interval.as_secs_f64())
        };
        Some(Landmarks {
            one: figures.runs.first()?,
            two_5ms: find(2, MS * 5)?,
            four_5ms: find(4, MS * 5)?,
            two_10us: find(2, US * 10)?,
            four_10us: find(4, US * 10)?,
        })
    }

    /// A run's time against one thread's, run by run.
    fn against_one(&self, run: &SweepRun) -> Samples {
        Samples::ratios(&run.timing.wall, &self.one.timing.wall)
    }
}

fn timeslice_claim(runs: &Landmarks) -> Claim {
    let slices = runs.two_5ms.timeslices().map(Unit::Ratio, |s| s / 5e-3);
    Claim::new(
        "The switch interval is the ideal length of a thread's timeslice when several threads \
         want the GIL; the actual timeslice can be longer.",
        SWITCH_INTERVAL_DOCS,
    )
    .measured(format!(
        "2 threads at 5 ms: each kept the GIL {} on average ({slices} the interval); at 10 µs, \
         {}.",
        format_seconds(runs.two_5ms.timeslices().median()),
        format_seconds(runs.two_10us.timeslices().median()),
    ))
    .judge(&slices, |x| match x {
        x if x < 0.8 => Verdict::DoesNotHold,
        x if x <= 2.0 => Verdict::Holds,
        _ => Verdict::Partly,
    })
}

fn slower_claim(runs: &Landmarks) -> Claim {
    let slower = Samples::ratios(&runs.four_10us.timing.wall, &runs.four_5ms.timing.wall);
    Claim::new(
        "A shorter switch interval makes CPU-bound threads under the GIL slower: every hand-over \
         costs time in which no thread runs.",
        SKVORTSOV,
    )
    .measured(format!(
        "4 threads at 10 µs took {slower} as long as at 5 ms."
    ))
    .judge(&slower, |x| match x {
        x if x > 1.05 => Verdict::Holds,
        x if x <= 1.0 => Verdict::DoesNotHold,
        _ => Verdict::Partly,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sweep whose runs take `wall(threads, interval)` seconds, with a switch every `slice`.
    fn figures(wall: impl Fn(usize, Duration) -> [f64; 3]) -> Figures {
        let runs = CASES
            .iter()
            .map(|&(threads, interval)| {
                let walls = wall(threads, interval);
                let slice = (interval + US * 60).as_secs_f64();
                SweepRun {
                    threads,
                    interval_s: interval.as_secs_f64(),
                    timing: Timing {
                        wall: Samples::new(Unit::Seconds, walls),
                        cpu: None,
                    },
                    switches: Samples::new(
                        Unit::Count,
                        walls.map(|w| {
                            if threads == 1 {
                                0.0
                            } else {
                                (w / slice).floor()
                            }
                        }),
                    ),
                    model_s: walls[0],
                    model_switches: 0,
                }
            })
            .collect();
        Figures {
            total_iterations: 800_000,
            runs,
            costs: ModelCosts::example(),
            trace: Trace::virtual_time(),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn slower_threads_at_short_intervals_hold_both_claims() {
        let outcome = report(&figures(|threads, interval| {
            let base = if threads == 1 { 0.040 } else { 0.041 };
            let slow = if interval < US * 100 { 1.2 } else { 1.0 };
            [base * slow, base * slow * 1.01, base * slow * 0.99]
        }));
        assert_eq!(verdicts(&outcome), [Verdict::Holds, Verdict::Holds]);
        assert!(outcome.problems.is_empty());
    }

    #[test]
    fn no_slowdown_does_not_hold() {
        let outcome = report(&figures(|_, _| [0.040, 0.040, 0.040]));
        assert_eq!(outcome.claims[1].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_straddling_spread_is_unclear() {
        let outcome = report(&figures(|threads, interval| {
            if threads == 4 && interval == US * 10 {
                [0.050, 0.040, 0.045]
            } else {
                [0.040; 3]
            }
        }));
        assert_eq!(outcome.claims[1].verdict, Verdict::Unclear);
    }

    #[test]
    fn a_busy_machine_leaves_no_verdict() {
        let outcome = report(&figures(|_, _| [0.040; 3])).on_busy_machine("load 4.0");
        assert_eq!(verdicts(&outcome), [Verdict::Unclear, Verdict::Unclear]);
    }

    #[test]
    fn every_case_has_a_row_labelled_for_the_book() {
        let outcome = report(&figures(|_, _| [0.040; 3]));
        assert_eq!(outcome.runs.len(), CASES.len());
        assert!(outcome.find_run("1 thread").is_some());
        assert!(outcome.find_run("4 threads, 10.0 µs").is_some());
    }
}
