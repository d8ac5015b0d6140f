//! The GIL model on sliders: the model run for every setting the GIL chapter's sliders reach.
//!
//! `gil-sim --child model-figure` prints a [`SliderFigure`] as JSON: for each switch interval,
//! thread count, share of time in I/O and kind of lock, the model's timeline (an SVG from
//! lesson-kit's renderer) and its figures. The book's preprocessor embeds it and a few lines of
//! JavaScript switch between the settings (`{{#sliders gil-sim model-figure}}`).
//!
//! Why every setting ahead of time rather than the model compiled to WebAssembly and run in the
//! page: the model runs in virtual time, so each setting has exactly one answer and computing them
//! all once is both cheap and exact; the build machine has only its native Rust target and no
//! network to fetch `wasm32-unknown-unknown`, and a page of plain HTML works in any browser,
//! offline, with nothing to load.
//!
//! The model uses its default costs ([`ModelConfig::default`]), not this machine's calibration:
//! the model's figures are then the same on every machine and every build. Beside them, at the
//! settings `compare` measures (CPU-bound threads under the GIL at each interval, two threads
//! under the legacy GIL), stand gil-sim's real threads and CPython, measured once when the figure
//! is made ([`slider_measurements`](crate::slider_measurements)); every other setting says it was
//! not measured.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use lesson_kit::format::{format_seconds, group_thousands};
use lesson_kit::render::svg;
use lesson_kit::sliders::{Slider, SliderFigure};
use lesson_kit::{Span, TraceData};

use crate::Mode;
use crate::experiments::cpu_bound;
use crate::model::{self, ModelConfig, Simulation, ThreadSpec};
use crate::slider_measurements::{self, Cell, Measured};

/// The child command's name: `gil-sim --child model-figure`.
pub const COMMAND: &str = "model-figure";

/// The switch intervals the first slider steps through (`sys.setswitchinterval`).
pub const INTERVALS: [Duration; 4] = [
    Duration::from_millis(5),
    Duration::from_millis(1),
    Duration::from_micros(100),
    Duration::from_micros(10),
];
/// The thread counts of the second slider.
pub const MAX_THREADS: usize = 8;
/// The share of each thread's time spent waiting for I/O, in percent (third slider).
pub const IO_SHARES: [u32; 4] = [0, 25, 50, 75];
/// The kinds of lock of the fourth slider.
pub const MODES: [Mode; 3] = [Mode::Cpython312, Mode::FreeThreaded, Mode::Legacy];

/// The interpreted code each thread runs: 10 ms of `countdown`, in [`CYCLES`] pieces with an I/O
/// wait after each when the thread does I/O. Long enough for several 5 ms turns.
pub const CPU_PER_THREAD: Duration = Duration::from_millis(10);
pub const CYCLES: u64 = 5;
/// The timeline shows the run up to its this-many-th span: at 10 µs a whole run has thousands of
/// turns, which no picture shows and no page should carry; the axis says how long the window is.
pub const SPANS_SHOWN: usize = 32;

/// One setting of the sliders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    pub interval: Duration,
    pub threads: usize,
    pub io_share: u32,
    pub mode: Mode,
}

/// What each setting's figures are: the model's, in the order [`show`] gives their values, then
/// the measured speedups beside the model's (see [`measured_values`]).
pub const LABELS: [&str; 6] = [
    "time (model)",
    "speedup over one thread doing it all",
    "GIL hand-overs",
    "convoy wait (I/O done → GIL held, mean)",
    "measured speedup, gil-sim's real threads",
    "measured speedup, CPython",
];

/// What the model showed for one setting.
#[derive(Clone, Debug)]
pub struct Shown {
    pub svg: String,
    /// One per [`LABELS`].
    pub values: Vec<String>,
}

/// `gil-sim --child model-figure`: prints the figure for every setting as JSON on stdout.
pub fn main(args: Vec<OsString>) -> ExitCode {
    if let Some(extra) = args.first() {
        eprintln!("gil-sim --child {COMMAND}: takes no arguments (got {extra:?})");
        return ExitCode::FAILURE;
    }
    let twins = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/python"));
    let measured = slider_measurements::measure(twins);
    for note in &measured.notes {
        eprintln!("gil-sim --child {COMMAND}: not measured: {note}");
    }
    match serde_json::to_string(&figure_with(&measured)) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("gil-sim --child {COMMAND}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Every setting of the sliders, with the model's timeline and figures, and nothing measured:
/// the same on every machine.
pub fn figure() -> SliderFigure {
    figure_with(&Measured::none())
}

/// Every setting of the sliders, with the model's timeline and figures, and what was measured
/// at the settings that have a measurement.
pub fn figure_with(measured: &Measured) -> SliderFigure {
    let sliders = vec![
        slider(
            "switch interval",
            INTERVALS.iter().map(|&d| format_seconds(d.as_secs_f64())),
        ),
        slider("threads", (1..=MAX_THREADS).map(|n| n.to_string())),
        slider("time in I/O", IO_SHARES.iter().map(|s| format!("{s} %"))),
        slider("lock", MODES.iter().map(|&m| lock_name(m).to_string())),
    ];
    // CPython's 5 ms, CPU-bound threads under the GIL: the setting of the `cpu-bound` experiment,
    // whose measured figures the chapter shows beside the sliders.
    let initial = vec![0, cpu_bound::TASKS - 1, 0, 0];
    let labels = LABELS.iter().map(|l| l.to_string()).collect();
    let mut figure = SliderFigure::new("The GIL model", sliders, labels, initial);
    for (i, &interval) in INTERVALS.iter().enumerate() {
        for threads in 1..=MAX_THREADS {
            for (s, &io_share) in IO_SHARES.iter().enumerate() {
                for (m, &mode) in MODES.iter().enumerate() {
                    let setting = Setting {
                        interval,
                        threads,
                        io_share,
                        mode,
                    };
                    let mut shown = show(setting);
                    shown.values.extend(measured_values(measured.at(&setting)));
                    figure.add(vec![i, threads - 1, s, m], shown.svg, shown.values);
                }
            }
        }
    }
    figure
}

fn slider(label: &str, choices: impl Iterator<Item = String>) -> Slider {
    Slider {
        label: label.to_string(),
        choices: choices.collect(),
    }
}

/// The slider's words for a kind of lock.
pub fn lock_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Legacy => "legacy GIL (ticks, before 3.2)",
        Mode::Cpython312 => "GIL (3.2–3.12)",
        Mode::FreeThreaded => "no GIL",
        Mode::FreeThreaded313 => "no GIL (3.13t)",
        Mode::FreeThreaded314 => "no GIL (3.14t)",
        Mode::PerInterpreter => "a GIL per interpreter",
    }
}

/// The model run at `setting`, and the same work done by one thread, in turn.
pub fn show(setting: Setting) -> Shown {
    // Only the new GIL has a switch interval: the others ignore it (and so share pictures).
    let config = ModelConfig::default()
        .with_mode(setting.mode)
        .with_switch_interval(setting.interval);
    let thread = workload(&config, setting.io_share);
    let threads: Vec<ThreadSpec> = (0..setting.threads).map(|_| thread.clone()).collect();
    let run = model::simulate(&config, &threads);
    let in_turn = ThreadSpec {
        name: Some("one thread".into()),
        steps: threads.iter().flat_map(|t| t.steps.clone()).collect(),
    };
    let sequential = model::simulate(&config, &[in_turn]);
    Shown {
        svg: svg::timeline(
            &first_spans(&run.trace.snapshot(), SPANS_SHOWN),
            "gil-sim's model",
        ),
        values: values(&run, &sequential, setting.io_share > 0),
    }
}

/// The measured speedups at a setting, gil-sim's then CPython's, in the order of [`LABELS`].
pub fn measured_values(cell: Option<&Cell>) -> [String; 2] {
    let Some(cell) = cell else {
        let not = "not measured (`compare` has no run like this)";
        return [not.to_string(), not.to_string()];
    };
    let cpython = match &cell.cpython {
        Some(speedup) if !speedup.values.is_empty() => speedup.to_string(),
        _ => "not measured (no such Python here)".to_string(),
    };
    [cell.gil_sim.to_string(), cpython]
}

/// One thread's work: [`CPU_PER_THREAD`] of interpreted code in [`CYCLES`] pieces, each followed
/// by an I/O wait sized so that the thread spends `io_share` % of its time in I/O.
pub fn workload(config: &ModelConfig, io_share: u32) -> ThreadSpec {
    let piece = CPU_PER_THREAD / CYCLES as u32;
    let checkpoints = config.checkpoints_in(piece);
    if io_share == 0 {
        return ThreadSpec::cpu(checkpoints * CYCLES);
    }
    let io = piece * io_share / (100 - io_share);
    (0..CYCLES).fold(ThreadSpec::new(), |spec, _| {
        spec.compute(checkpoints).io(io)
    })
}

/// The figures under the picture, in the order of [`LABELS`].
fn values(run: &Simulation, sequential: &Simulation, does_io: bool) -> Vec<String> {
    let speedup = sequential.total.as_secs_f64() / run.total.as_secs_f64().max(f64::MIN_POSITIVE);
    let waits: Vec<Duration> = run.wake_latencies.iter().flatten().copied().collect();
    let convoy = if does_io {
        format_seconds(model::mean(&waits).as_secs_f64())
    } else {
        "no I/O".to_string()
    };
    vec![
        format_seconds(run.total.as_secs_f64()),
        format!("{speedup:.2}×"),
        group_thousands(run.switches),
        convoy,
    ]
}

/// The trace up to the start of its `n`-th span (by start time, every lane), spans cut there; the
/// whole trace when it has no more than `n`.
pub fn first_spans(trace: &TraceData, n: usize) -> TraceData {
    let mut starts: Vec<f64> = trace.spans.iter().map(|s| s.start_s).collect();
    if starts.len() <= n {
        return trace.clone();
    }
    starts.sort_by(f64::total_cmp);
    let end = starts[n];
    let spans = trace
        .spans
        .iter()
        .filter(|s| s.start_s < end)
        .map(|s| Span {
            end_s: s.end_s.min(end),
            ..s.clone()
        })
        .collect();
    TraceData {
        spans,
        ..trace.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_combination_has_a_setting() {
        let figure = figure();
        assert_eq!(figure.combinations(), 4 * MAX_THREADS * 4 * 3);
        assert_eq!(figure.settings.len(), figure.combinations());
        assert!(figure.setting(&figure.initial).is_some());
    }

    #[test]
    fn only_the_new_gil_depends_on_the_switch_interval() {
        let figure = figure();
        let picture = |i: usize, m: usize| figure.setting(&[i, 3, 0, m]).map(|s| s.picture);
        assert_ne!(picture(0, 0), picture(3, 0), "the GIL at 5 ms and at 10 µs");
        assert_eq!(picture(0, 1), picture(3, 1), "no GIL");
        assert_eq!(picture(0, 2), picture(3, 2), "the legacy GIL");
    }

    #[test]
    fn the_io_share_is_the_share_of_a_threads_time() {
        let config = ModelConfig::default();
        let spec = workload(&config, 75);
        let io: Duration = spec
            .steps
            .iter()
            .map(|s| match s {
                model::Step::Io { duration } => *duration,
                _ => Duration::ZERO,
            })
            .sum();
        assert_eq!(io, CPU_PER_THREAD * 3);
    }

    #[test]
    fn first_spans_cuts_the_trace_at_the_nth_start() {
        let trace = lesson_kit::Trace::virtual_time();
        for i in 0..10 {
            trace.record("a", lesson_kit::State::Running, i as f64, i as f64 + 1.5);
        }
        let cut = first_spans(&trace.snapshot(), 4);
        assert_eq!(cut.spans.len(), 4);
        assert_eq!(cut.spans.last().map(|s| s.end_s), Some(4.0));
    }

    #[test]
    fn one_thread_gains_nothing_and_hands_nothing_over() {
        let shown = show(Setting {
            interval: INTERVALS[0],
            threads: 1,
            io_share: 0,
            mode: Mode::Cpython312,
        });
        assert_eq!(shown.values[1], "1.00×", "the speedup");
        assert_eq!(shown.values[2], "0", "the hand-overs");
    }

    #[test]
    fn a_measured_setting_shows_both_sides_beside_the_model_and_the_rest_say_not_measured() {
        let setting = Setting {
            interval: INTERVALS[1],
            threads: 2,
            io_share: 0,
            mode: Mode::Cpython312,
        };
        let measured = Measured {
            cells: vec![Cell {
                setting,
                gil_sim: lesson_kit::Samples::new(lesson_kit::Unit::Ratio, [0.98]),
                cpython: Some(lesson_kit::Samples::new(lesson_kit::Unit::Ratio, [0.91])),
            }],
            notes: Vec::new(),
        };
        let figure = figure_with(&measured);
        let values = |positions: &[usize]| figure.setting(positions).map(|s| s.values.clone());
        let here = values(&[1, 1, 0, 0]).expect("2 threads at 1 ms");
        assert_eq!(here.len(), LABELS.len());
        assert_eq!(here[4..], ["0.98×", "0.91×"]);
        let elsewhere = values(&[0, 1, 0, 0]).expect("2 threads at 5 ms");
        assert!(elsewhere[4].starts_with("not measured"), "{elsewhere:?}");
    }
}
