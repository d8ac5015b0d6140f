//! Experiment 4, `interval-sweep`: the same CPU-bound work on 2 and 4 threads, with switch
//! intervals from CPython's 5 ms down to 10 µs. A shorter interval means more hand-overs, and
//! every hand-over leaves the GIL idle while the next holder wakes up.
//!
//! Python twin: `python/interval_sweep.py`.

use std::time::Duration;

use lesson_kit::report::format_seconds;
use lesson_kit::{Claim, Experiment, Figure, Run, Verdict};

use super::{Context, MODEL_COLUMN, countdown_threads, published, ratio, secs};
use crate::model::{self, ThreadSpec};
use crate::{DEFAULT_SWITCH_INTERVAL, Mode};

/// The intervals swept, longest first.
pub const INTERVALS: [Duration; 4] = [
    Duration::from_millis(5),
    Duration::from_millis(1),
    Duration::from_micros(100),
    Duration::from_micros(10),
];

/// The thread counts swept.
pub const THREADS: [usize; 2] = [2, 4];

/// The countdown's total length, split over the threads.
pub fn total_work(context: &Context) -> u64 {
    context.size(4_000_000, 40_000_000)
}

pub fn run(context: &Context) -> Experiment {
    let total_work = total_work(context);
    let config = &context.model;

    let baseline = countdown_threads(Mode::Cpython312, DEFAULT_SWITCH_INTERVAL, 1, total_work);
    let baseline_model = model::simulate(config, &[ThreadSpec::cpu(total_work)]).total;
    let mut experiment = Experiment::new(
        "interval-sweep",
        "Switch interval sweep: shorter intervals, more switches, slower threads",
    )
    .intro(format!(
        "countdown({total_work}) split evenly over 2 and 4 threads, at switch intervals from 5 ms \
         to 10 µs (sys.setswitchinterval)."
    ))
    .run(
        Run::measured("1 thread", &baseline.measurement)
            .figure("switches", Figure::Count(0))
            .figure(MODEL_COLUMN, Figure::Seconds(secs(baseline_model))),
    );
    let mut slowest = (0.0, String::new());
    let mut trace = None;
    for threads in THREADS {
        let share = total_work / threads as u64;
        for interval in INTERVALS {
            let run = countdown_threads(Mode::Cpython312, interval, threads, share);
            let predicted = model::simulate(
                &config.with_switch_interval(interval),
                &vec![ThreadSpec::cpu(share); threads],
            );
            let label = format!("{threads} threads, {}", format_seconds(secs(interval)));
            let slowdown = ratio(secs(run.measurement.wall), secs(baseline.measurement.wall));
            if slowdown > slowest.0 {
                slowest = (slowdown, label.clone());
            }
            experiment = experiment.run(
                Run::measured(label, &run.measurement)
                    .figure("switches", Figure::Count(run.switches))
                    .figure(MODEL_COLUMN, Figure::Seconds(secs(predicted.total)))
                    .figure("model switches", Figure::Count(predicted.switches)),
            );
            if threads == 2 && interval == Duration::from_millis(1) {
                trace = Some(run.trace);
            }
        }
    }
    if let Some(trace) = trace {
        experiment = experiment.trace(trace);
    }
    let at = |label: &str| {
        experiment.find_run(label).map_or(0.0, |run| {
            ratio(run.wall_s, baseline.measurement.wall.as_secs_f64())
        })
    };
    let (two_5ms, two_10us) = (at("2 threads, 5.0 ms"), at("2 threads, 10.0 µs"));
    let (four_5ms, four_10us) = (at("4 threads, 5.0 ms"), at("4 threads, 10.0 µs"));
    experiment
        .speedups_against("1 thread")
        .finding(format!(
            "Against one thread, 2 threads took {two_5ms:.2}× as long at 5 ms and {two_10us:.2}× \
             at 10 µs; 4 threads {four_5ms:.2}× and {four_10us:.2}×."
        ))
        .finding(format!(
            "The slowest run was {} ({:.2}× the single thread's time): each switch costs a \
             wake-up during which no thread runs.",
            slowest.1, slowest.0
        ))
        .finding(published::versus(&published::SWEEP_2_THREADS_10US, two_10us))
        .claim(Claim::new(
            "A shorter switch interval makes CPU-bound threads under the GIL slower, not faster.",
            format!("2 threads: {two_5ms:.2}× → {two_10us:.2}× the single-thread time from 5 ms to 10 µs."),
            if two_10us > two_5ms * 1.05 {
                Verdict::Holds
            } else {
                Verdict::DoesNotHold
            },
        ))
}
