//! `cargo run -p gil-sim -- compare`: gil-sim's experiments beside their Python twins.
//!
//! For each experiment, its twin in `python/` runs under python3 at the same sizes, taking turns
//! with gil-sim's own `measure` (`--repeat` times each: twin, gil-sim, twin, gil-sim…). "The same
//! size" means runs of the same length: each side sizes its countdowns to last as long on its own
//! interpreter. Each row is a figure measured within one run (a speedup, a slowdown, a wait), so
//! that CPython's slower loop iterations do not get in the way: CPython's, gil-sim's on real
//! threads, and the model's, side by side. A twin's figures are read into a struct: one it does not
//! print is an error that names it, never a zero, and a failed twin is a problem of its row's
//! outcome while the others still run.

use std::process::Command;
use std::time::Duration;

use lesson_kit::measure::measure_child;
use lesson_kit::report::{format_seconds, group_thousands, ratio};
use lesson_kit::{
    DelayServer, Figure, Outcome, Run, Samples, Timing, TwinError, Twins, Unit, alternate,
};
use serde::Deserialize;

use crate::experiments::{
    LessonError, Settings, convoy, cpu_bound, interval_sweep, io_bound, legacy, native, percentile,
    stampede,
};

/// Runs every comparison; each is one outcome, whatever happens to the others.
pub fn run(settings: &Settings, twins: &Twins) -> anyhow::Result<Vec<Outcome>> {
    // gil-sim's side measures once per turn: the turns are the repeats.
    let once = Settings {
        repeat: 1,
        ..settings.clone()
    };
    let turns = settings.repeat;
    Ok(vec![
        compare_cpu_bound(turns, &once, twins),
        compare_io_bound(turns, &once, twins),
        compare_convoy(turns, &once, twins),
        compare_interval_sweep(turns, &once, twins),
        compare_stampede(turns, &once, twins),
        compare_native(turns, &once, twins),
        compare_legacy(turns, &once, twins),
    ])
}

/// What one turn gave: gil-sim's figures, a twin's, or why it gave nothing.
enum Turn<F, T> {
    Ours(F),
    Theirs(T),
    Failed(String),
    /// A twin that cannot run here at all (no Python 2): said once, not a problem.
    Absent,
}

fn ours<F, T>(result: Result<F, LessonError>) -> Turn<F, T> {
    match result {
        Ok(figures) => Turn::Ours(figures),
        Err(error) => Turn::Failed(format!("gil-sim: {error}")),
    }
}

fn theirs<F, T>(result: Result<T, TwinError>) -> Turn<F, T> {
    match result {
        Ok(figures) => Turn::Theirs(figures),
        Err(error) => Turn::Failed(error.to_string()),
    }
}

/// Every turn's figures, by side, and what failed.
struct Sides<F, T> {
    ours: Vec<F>,
    theirs: Vec<T>,
    problems: Vec<String>,
}

fn sides<F, T>(turns: impl IntoIterator<Item = Vec<Turn<F, T>>>) -> Sides<F, T> {
    let mut sides = Sides {
        ours: Vec::new(),
        theirs: Vec::new(),
        problems: Vec::new(),
    };
    for turn in turns.into_iter().flatten() {
        match turn {
            Turn::Ours(figures) => sides.ours.push(figures),
            Turn::Theirs(figures) => sides.theirs.push(figures),
            Turn::Failed(problem) if !sides.problems.contains(&problem) => {
                sides.problems.push(problem)
            }
            Turn::Failed(_) | Turn::Absent => {}
        }
    }
    sides
}

/// One row of a comparison: a figure from CPython, from gil-sim's real threads and from the model.
struct Row {
    label: String,
    /// CPython's wall time for the run the row is about.
    cpython_wall: Samples,
    cpython: Samples,
    gil_sim: Samples,
    model: Option<f64>,
}

impl Row {
    fn into_run(self) -> Run {
        let timing = Timing {
            wall: self.cpython_wall,
            cpu: None,
        };
        let model = |value| match self.cpython.unit {
            Unit::Seconds => Figure::Seconds(value),
            _ => Figure::Ratio(value),
        };
        let mut run = Run::timed(self.label, &timing)
            .figure("CPython", Figure::Spread(self.cpython.clone()))
            .figure("gil-sim", Figure::Spread(self.gil_sim.clone()));
        if let Some(value) = self.model {
            run = run.figure("model", model(value));
        }
        run.figure(
            "gil-sim / CPython",
            Figure::Ratio(ratio(self.gil_sim.median(), self.cpython.median())),
        )
    }

    /// Whether gil-sim's median is within 10 % of CPython's.
    fn close(&self) -> bool {
        (ratio(self.gil_sim.median(), self.cpython.median()) - 1.0).abs() <= 0.10
    }
}

/// Ratios, one per turn.
fn ratios<X>(items: &[X], f: impl Fn(&X) -> f64) -> Samples {
    Samples::new(Unit::Ratio, items.iter().map(f))
}

/// Seconds, one per turn.
fn seconds<X>(items: &[X], f: impl Fn(&X) -> f64) -> Samples {
    Samples::new(Unit::Seconds, items.iter().map(f))
}

/// One comparison's outcome: its rows, how many came close, and its problems.
fn outcome(id: &str, title: &str, intro: String, rows: Vec<Row>, problems: Vec<String>) -> Outcome {
    let total = rows.len();
    let close = rows.iter().filter(|row| row.close()).count();
    let mut outcome = Outcome::new(format!("compare-{id}"), title).intro(intro);
    for row in rows {
        outcome = outcome.run(row.into_run());
    }
    if total > 0 {
        outcome = outcome.finding(format!(
            "gil-sim's real threads came within 10 % of CPython's figure on {close} of {total} \
             row(s)."
        ));
    }
    for problem in problems {
        outcome = outcome.problem(problem);
    }
    outcome
}

/// The intro every comparison starts with.
fn intro(twins: &Twins, script: &str, turns: usize, what: &str) -> String {
    format!(
        "{} ran python/{script} and gil-sim ran its experiment, {turns} times each, taking \
         turns; {what}",
        twins.version
    )
}

#[derive(Debug, Deserialize)]
struct CpuBoundTwin {
    iterations: u64,
    sequential_s: f64,
    threads_s: f64,
}

fn compare_cpu_bound(turns: usize, once: &Settings, twins: &Twins) -> Outcome {
    let script = "cpu_bound.py";
    let args = [
        format!(
            "--task-seconds={}",
            cpu_bound::task_length(once).as_secs_f64()
        ),
        format!("--tasks={}", cpu_bound::TASKS),
    ];
    let [a, b] = alternate(
        turns,
        [
            &mut || theirs(twins.run::<CpuBoundTwin>(script, &args)),
            &mut || ours(cpu_bound::measure(once)),
        ],
    );
    let sides = sides([a, b]);
    let mut rows = Vec::new();
    if let (Some(last), Some(twin)) = (sides.ours.last(), sides.theirs.last()) {
        rows.push(Row {
            label: format!("{} threads, GIL: speedup", cpu_bound::TASKS),
            cpython_wall: seconds(&sides.theirs, |t| t.threads_s),
            cpython: ratios(&sides.theirs, |t| t.sequential_s / t.threads_s),
            gil_sim: ratios(&sides.ours, |f| f.sequential.wall_s() / f.gil.wall_s()),
            model: Some(last.model.sequential_s / last.model.gil_s),
        });
        return outcome(
            "cpu-bound",
            "CPU-bound threads: CPython beside gil-sim",
            intro(
                twins,
                script,
                turns,
                &format!(
                    "each task lasts about {} on each side (CPython counted down {}, gil-sim {}).",
                    format_seconds(cpu_bound::task_length(once).as_secs_f64()),
                    twin.iterations,
                    last.iterations
                ),
            ),
            rows,
            sides.problems,
        );
    }
    outcome(
        "cpu-bound",
        "CPU-bound threads: CPython beside gil-sim",
        intro(twins, script, turns, "one side gave no figures."),
        rows,
        sides.problems,
    )
}

#[derive(Debug, Deserialize)]
struct IoBoundTwin {
    sequential_s: f64,
    threads_s: f64,
}

fn compare_io_bound(turns: usize, once: &Settings, twins: &Twins) -> Outcome {
    let script = "io_bound.py";
    let title = "Threads waiting for I/O: CPython beside gil-sim";
    let (downloads, delay) = io_bound::sizes(once);
    let server = match DelayServer::start() {
        Ok(server) => server,
        Err(error) => {
            let problem = format!("could not start the local delay server: {error}");
            return outcome("io-bound", title, String::new(), Vec::new(), vec![problem]);
        }
    };
    let args = [
        format!("--url={}", server.delay_url(delay)),
        format!("--downloads={downloads}"),
    ];
    let [a, b] = alternate(
        turns,
        [
            &mut || theirs(twins.run::<IoBoundTwin>(script, &args)),
            &mut || ours(io_bound::measure(once)),
        ],
    );
    let mut sides = sides([a, b]);
    // A run with a failed download says nothing about overlap: it is a problem, not a figure.
    for figures in &sides.ours {
        sides.problems.extend(figures.failures.iter().cloned());
    }
    sides.ours.retain(|f| f.failures.is_empty());
    let mut rows = Vec::new();
    if let Some(last) = sides.ours.last()
        && !sides.theirs.is_empty()
    {
        rows.push(Row {
            label: format!("{downloads} threads, GIL released: speedup"),
            cpython_wall: seconds(&sides.theirs, |t| t.threads_s),
            cpython: ratios(&sides.theirs, |t| t.sequential_s / t.threads_s),
            gil_sim: ratios(&sides.ours, |f| f.sequential.wall_s() / f.released.wall_s()),
            model: Some(last.model.sequential_s / last.model.released_s),
        });
    }
    let what = format!(
        "{downloads} downloads of {} from the same local server, in turn and on threads.",
        format_seconds(delay.as_secs_f64())
    );
    outcome(
        "io-bound",
        title,
        intro(twins, script, turns, &what),
        rows,
        sides.problems,
    )
}

#[derive(Debug, Deserialize)]
struct ConvoyTwin {
    intervals: Vec<ConvoyTwinInterval>,
}

#[derive(Debug, Deserialize)]
struct ConvoyTwinInterval {
    interval_s: f64,
    alone_recv_s: Vec<f64>,
    with_cpu_recv_s: Vec<f64>,
}

/// The wait for the GIL after each receive, as a Python program can estimate it: each receive's
/// time next to the CPU thread, less the median receive alone. Returns (median, p90).
///
/// A receive can be quicker next to the CPU thread than alone: when the thread waited for the GIL
/// after its send for longer than the server's delay, the reply was already there. Such a receive
/// waited for no reply, and is counted as no wait, never as a negative one.
fn estimated_wait(alone: &[f64], with_cpu: &[f64]) -> (f64, f64) {
    let alone = Samples::new(Unit::Seconds, alone.iter().copied()).median();
    let waits = Samples::new(
        Unit::Seconds,
        with_cpu.iter().map(|call| (call - alone).max(0.0)),
    );
    (waits.median(), percentile(&waits, 90.0))
}

fn compare_convoy(turns: usize, once: &Settings, twins: &Twins) -> Outcome {
    let script = "convoy.py";
    let title = "The convoy effect: CPython beside gil-sim";
    let server = match DelayServer::start() {
        Ok(server) => server,
        Err(error) => {
            let problem = format!("could not start the local delay server: {error}");
            return outcome("convoy", title, String::new(), Vec::new(), vec![problem]);
        }
    };
    let mut args = vec![
        format!("--url={}", server.delay_url(convoy::DELAY)),
        format!("--requests={}", convoy::requests(once)),
        "--intervals".to_string(),
    ];
    args.extend(
        convoy::INTERVALS
            .iter()
            .map(|i| i.as_secs_f64().to_string()),
    );
    let [a, b] = alternate(
        turns,
        [
            &mut || theirs(twins.run::<ConvoyTwin>(script, &args)),
            &mut || ours(convoy::measure(once)),
        ],
    );
    let mut sides = sides([a, b]);
    for figures in &sides.ours {
        sides.problems.extend(figures.failures.iter().cloned());
    }
    let mut rows = Vec::new();
    for (k, interval) in convoy::INTERVALS.iter().enumerate() {
        let at = format_seconds(interval.as_secs_f64());
        // CPython's figures at this interval, turn by turn; a twin without it is a problem.
        let cpython: Vec<(f64, f64)> = sides
            .theirs
            .iter()
            .filter_map(|t| {
                let found = t
                    .intervals
                    .iter()
                    .find(|i| (i.interval_s - interval.as_secs_f64()).abs() < 1e-9)?;
                Some(estimated_wait(&found.alone_recv_s, &found.with_cpu_recv_s))
            })
            .collect();
        if cpython.len() < sides.theirs.len() {
            sides
                .problems
                .push(format!("python/{script} did not report the {at} interval"));
        }
        let gil_sim: Vec<(f64, f64)> = sides
            .ours
            .iter()
            .filter_map(|f| f.intervals.get(k))
            .filter(|i| !i.alone.recv_calls.is_empty() && !i.with_cpu.recv_calls.is_empty())
            .map(|i| estimated_wait(&i.alone.recv_calls.values, &i.with_cpu.recv_calls.values))
            .collect();
        let model = sides
            .ours
            .last()
            .and_then(|f| f.intervals.get(k))
            .map(|i| i.model_wait_s);
        if cpython.is_empty() || gil_sim.is_empty() {
            continue;
        }
        let wall = seconds(&cpython, |(median, _)| *median);
        rows.push(Row {
            label: format!("{at}: wait after each receive, median"),
            cpython_wall: wall.clone(),
            cpython: seconds(&cpython, |(median, _)| *median),
            gil_sim: seconds(&gil_sim, |(median, _)| *median),
            model,
        });
        rows.push(Row {
            label: format!("{at}: wait after each receive, p90"),
            cpython_wall: wall,
            cpython: seconds(&cpython, |(_, p90)| *p90),
            gil_sim: seconds(&gil_sim, |(_, p90)| *p90),
            model: None,
        });
    }
    let what = format!(
        "an I/O thread makes {} requests of {} next to a CPU-bound thread. Python cannot time its \
         own wait for the GIL, so on both sides the wait is estimated the same way: each \
         receive's time next to the CPU thread, less the median receive alone. (The wall column \
         is CPython's median wait.)",
        convoy::requests(once),
        format_seconds(convoy::DELAY.as_secs_f64()),
    );
    outcome(
        "convoy",
        title,
        intro(twins, script, turns, &what),
        rows,
        sides.problems,
    )
}

#[derive(Debug, Deserialize)]
struct SweepTwin {
    iterations: u64,
    one_thread_s: f64,
    runs: Vec<SweepTwinRun>,
}

#[derive(Debug, Deserialize)]
struct SweepTwinRun {
    threads: usize,
    interval_s: f64,
    wall_s: f64,
}

impl SweepTwin {
    fn wall(&self, threads: usize, interval: Duration) -> Option<f64> {
        let run = self.runs.iter().find(|r| {
            r.threads == threads && (r.interval_s - interval.as_secs_f64()).abs() < 1e-12
        })?;
        Some(run.wall_s)
    }
}

fn compare_interval_sweep(turns: usize, once: &Settings, twins: &Twins) -> Outcome {
    let script = "interval_sweep.py";
    // Always the long runs (0.5 s on one thread): short ones are too noisy to hold side by side.
    let long = Settings {
        full: true,
        ..once.clone()
    };
    let length = interval_sweep::run_length(&long);
    let args = [format!("--seconds={}", length.as_secs_f64())];
    let [a, b] = alternate(
        turns,
        [
            &mut || theirs(twins.run::<SweepTwin>(script, &args)),
            &mut || ours(interval_sweep::measure(&long)),
        ],
    );
    let mut sides = sides([a, b]);
    let mut rows = Vec::new();
    for (k, &(threads, interval)) in interval_sweep::CASES.iter().enumerate().skip(1) {
        let label = format!(
            "{threads} threads, {}",
            format_seconds(interval.as_secs_f64())
        );
        let cpython: Vec<(f64, f64)> = sides
            .theirs
            .iter()
            .filter_map(|t| Some((t.wall(threads, interval)?, t.one_thread_s)))
            .collect();
        if cpython.len() < sides.theirs.len() {
            sides
                .problems
                .push(format!("python/{script} did not report {label}"));
        }
        let (Some(last), false) = (sides.ours.last(), cpython.is_empty()) else {
            continue;
        };
        rows.push(Row {
            label: format!("{label}: time against 1 thread"),
            cpython_wall: seconds(&cpython, |(wall, _)| *wall),
            cpython: ratios(&cpython, |(wall, one)| wall / one),
            gil_sim: ratios(&sides.ours, |f| {
                f.runs[k].timing.wall_s() / f.runs[0].timing.wall_s()
            }),
            model: Some(last.runs[k].model_s / last.runs[0].model_s),
        });
    }
    let counts = match (sides.theirs.last(), sides.ours.last()) {
        (Some(t), Some(f)) => format!(
            " (CPython counted down {}, gil-sim {})",
            t.iterations, f.total_iterations
        ),
        _ => String::new(),
    };
    let what = format!(
        "the one-thread run lasts about {} on each side{counts}, the length `--full` uses.",
        format_seconds(length.as_secs_f64())
    );
    outcome(
        "interval-sweep",
        "The switch interval: CPython beside gil-sim",
        intro(twins, script, turns, &what),
        rows,
        sides.problems,
    )
}

#[derive(Debug, Deserialize)]
struct StampedeTwin {
    iterations: u64,
    in_turn_s: f64,
    threads_s: f64,
}

fn compare_stampede(turns: usize, once: &Settings, twins: &Twins) -> Outcome {
    let script = "stampede.py";
    let work = stampede::work_per_thread(once);
    let args = [
        format!("--threads={}", stampede::THREADS),
        format!("--work-seconds={}", work.as_secs_f64()),
    ];
    let [a, b] = alternate(
        turns,
        [
            &mut || theirs(twins.run::<StampedeTwin>(script, &args)),
            &mut || ours(stampede::measure(once)),
        ],
    );
    let sides = sides([a, b]);
    let mut rows = Vec::new();
    let mut counts = String::new();
    if let (Some(last), Some(twin)) = (sides.ours.last(), sides.theirs.last()) {
        counts = format!(
            " (CPython counted down {} per thread, gil-sim {})",
            twin.iterations, last.iterations
        );
        rows.push(Row {
            label: format!(
                "{} threads: time against the work in turn",
                group_thousands(stampede::THREADS as u64)
            ),
            cpython_wall: seconds(&sides.theirs, |t| t.threads_s),
            cpython: ratios(&sides.theirs, |t| t.threads_s / t.in_turn_s),
            gil_sim: ratios(&sides.ours, |f| f.gil.wall_s() / f.in_turn.wall_s()),
            model: Some(last.model.gil_s / last.model.in_turn_s),
        });
    }
    let what = format!(
        "{} threads wake at one event and each works about {}{counts}.",
        group_thousands(stampede::THREADS as u64),
        format_seconds(work.as_secs_f64())
    );
    outcome(
        "stampede",
        "A stampede: CPython beside gil-sim",
        intro(twins, script, turns, &what),
        rows,
        sides.problems,
    )
}

#[derive(Debug, Deserialize)]
struct NativeTwin {
    cases: Vec<NativeTwinCase>,
}

#[derive(Debug, Deserialize)]
struct NativeTwinCase {
    label: String,
    /// hashlib's chunk size; `None` for Pillow.
    chunk_bytes: Option<u64>,
    in_turn_s: f64,
    threads_s: f64,
}

/// hashlib keeps the GIL for data of this many bytes or fewer (`HASHLIB_GIL_MINSIZE` is 2048).
const HASHLIB_KEEPS_THE_GIL_UP_TO: u64 = 2047;

fn compare_native(turns: usize, once: &Settings, twins: &Twins) -> Outcome {
    let script = "native.py";
    let side = native::side(once);
    let args = [
        format!("--images={}", native::IMAGES),
        format!("--side={side}"),
        format!("--passes={}", native::PASSES),
        format!("--bytes-each={}", once.size(8usize << 20, 64 << 20)),
    ];
    let [a, b] = alternate(
        turns,
        [
            &mut || theirs(twins.run::<NativeTwin>(script, &args)),
            &mut || ours(native::measure(once)),
        ],
    );
    let sides = sides([a, b]);
    let mut rows = Vec::new();
    let labels: Vec<&NativeTwinCase> = sides
        .theirs
        .first()
        .map_or(Vec::new(), |t| t.cases.iter().collect());
    if let Some(last) = sides.ours.last() {
        for case in labels {
            let cpython: Vec<&NativeTwinCase> = sides
                .theirs
                .iter()
                .filter_map(|t| t.cases.iter().find(|c| c.label == case.label))
                .collect();
            // Small hashlib chunks keep the GIL: hold them against gil-sim's kept filter.
            let keeps = case
                .chunk_bytes
                .is_some_and(|b| b <= HASHLIB_KEEPS_THE_GIL_UP_TO);
            let (ours_label, gil_sim, model_s) = if keeps {
                let speedups = ratios(&sides.ours, |f| f.in_turn.wall_s() / f.kept.wall_s());
                ("GIL kept", speedups, last.model.kept_s)
            } else {
                let speedups = ratios(&sides.ours, |f| f.in_turn.wall_s() / f.released.wall_s());
                ("GIL released", speedups, last.model.released_s)
            };
            rows.push(Row {
                label: format!(
                    "{}, {} threads: speedup (gil-sim: {ours_label})",
                    case.label,
                    native::IMAGES
                ),
                cpython_wall: seconds(&cpython, |c| c.threads_s),
                cpython: ratios(&cpython, |c| c.in_turn_s / c.threads_s),
                gil_sim,
                model: Some(last.in_turn.wall_s() / model_s),
            });
        }
    }
    let what = format!(
        "{} images of {side}×{side} blurred in turn and on threads by gil-sim; the twin uses \
         Pillow if it is installed, and hashlib on large and small chunks otherwise (hashlib \
         releases the GIL only for data larger than {HASHLIB_KEEPS_THE_GIL_UP_TO} bytes).",
        native::IMAGES
    );
    outcome(
        "native",
        "Native code on threads: CPython beside gil-sim",
        intro(twins, script, turns, &what),
        rows,
        sides.problems,
    )
}

#[derive(Debug, Deserialize)]
struct LegacyTwin {
    python: String,
    sequential_s: f64,
    threads_s: f64,
}

/// Runs python/legacy.py with Python 2 (`program`); its figures, or why not.
fn run_python2(program: &str, twins: &Twins, args: &[String]) -> Result<LegacyTwin, String> {
    let output = measure_child(
        Command::new(program)
            .arg(twins.path("legacy.py"))
            .args(args),
    )
    .map_err(|error| format!("could not run {program}: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "{program} python/legacy.py failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|error| format!("{program} python/legacy.py did not print its figures: {error}"))
}

/// Whether `program` runs as a Python 2 here.
fn python2_runs(program: &str) -> bool {
    Command::new(program)
        .args(["-c", "import sys; sys.exit(sys.version_info[0] != 2)"])
        .output()
        .is_ok_and(|output| output.status.success())
}

fn compare_legacy(turns: usize, once: &Settings, twins: &Twins) -> Outcome {
    let script = "legacy.py";
    // Always the long runs (0.5 s per thread): a battle of a few milliseconds is mostly noise.
    let long = Settings {
        full: true,
        ..once.clone()
    };
    let once = &long;
    let args = [format!(
        "--seconds={}",
        legacy::work_per_thread(once).as_secs_f64()
    )];
    let python2 = &once.lesson.python2;
    let has_python2 = python2_runs(python2);
    let [a, b, c] = alternate(
        turns,
        [
            &mut || theirs(twins.run::<LegacyTwin>(script, &args)),
            &mut || {
                if has_python2 {
                    match run_python2(python2, twins, &args) {
                        Ok(figures) => Turn::Theirs(figures),
                        Err(problem) => Turn::Failed(problem),
                    }
                } else {
                    Turn::Absent
                }
            },
            &mut || ours(legacy::measure(once)),
        ],
    );
    let python3 = sides([a, c]);
    let python2_sides = sides([b]);
    let mut rows = Vec::new();
    if let Some(last) = python3.ours.last() {
        let mut row = |name: &str, twin: &[LegacyTwin], ours: Samples, model: f64| {
            if let Some(first) = twin.first() {
                rows.push(Row {
                    label: format!(
                        "2 threads, {name} (Python {}): time against sequential",
                        first.python
                    ),
                    cpython_wall: seconds(twin, |t| t.threads_s),
                    cpython: ratios(twin, |t| t.threads_s / t.sequential_s),
                    gil_sim: ours,
                    model: Some(model),
                });
            }
        };
        row(
            "legacy GIL",
            &python2_sides.theirs,
            ratios(&python3.ours, |f| f.legacy.wall_s() / f.sequential.wall_s()),
            last.model.legacy_s / last.model.sequential_s,
        );
        row(
            "new GIL",
            &python3.theirs,
            ratios(&python3.ours, |f| {
                f.new_gil.wall_s() / f.sequential.wall_s()
            }),
            last.model.new_gil_s / last.model.sequential_s,
        );
    }
    let mut problems = python3.problems;
    problems.extend(python2_sides.problems);
    let mut outcome = outcome(
        "legacy",
        "The old GIL and the new: CPython beside gil-sim",
        intro(
            twins,
            script,
            turns,
            &format!(
                "each thread's countdown lasts about {} (the length `--full` uses); \
                 python/legacy.py also runs under Python 2 ({python2}) for the GIL of before \
                 3.2.",
                format_seconds(legacy::work_per_thread(once).as_secs_f64())
            ),
        ),
        rows,
        problems,
    );
    if !has_python2 {
        outcome = outcome.finding(format!(
            "There is no Python 2 here (`{python2}` did not run as one), so the legacy GIL has \
             no CPython row: pass `--python2 PROGRAM` to name one."
        ));
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimated_wait_is_the_time_beyond_the_median_alone() {
        let (median, p90) = estimated_wait(&[0.0011, 0.0010, 0.0012], &[0.0061, 0.0062, 0.0011]);
        assert!((median - 0.005).abs() < 1e-9, "{median}");
        assert!((p90 - 0.0051).abs() < 1e-9, "{p90}");
    }

    #[test]
    fn a_receive_whose_reply_was_already_there_waited_for_none() {
        let (median, _) = estimated_wait(&[0.001, 0.001, 0.001], &[0.0001, 0.0002, 0.0003]);
        assert_eq!(median, 0.0);
    }

    #[test]
    fn a_row_within_ten_percent_is_close() {
        let row = |gil_sim: f64| Row {
            label: "x".into(),
            cpython_wall: Samples::new(Unit::Seconds, [1.0]),
            cpython: Samples::new(Unit::Ratio, [1.0, 1.1, 0.9]),
            gil_sim: Samples::new(Unit::Ratio, [gil_sim]),
            model: None,
        };
        assert!(row(1.09).close());
        assert!(!row(1.2).close());
    }

    #[test]
    fn failed_turns_become_problems_once_and_absent_ones_nothing() {
        let turns: Vec<Turn<u8, u8>> = vec![
            Turn::Ours(1),
            Turn::Failed("python3 x.py failed".into()),
            Turn::Theirs(2),
            Turn::Failed("python3 x.py failed".into()),
            Turn::Absent,
        ];
        let sides = sides([turns]);
        assert_eq!((sides.ours, sides.theirs), (vec![1], vec![2]));
        assert_eq!(sides.problems, ["python3 x.py failed"]);
    }

    #[test]
    fn a_twin_that_leaves_out_a_figure_is_an_error_naming_it() {
        let missing = serde_json::from_str::<CpuBoundTwin>(r#"{"iterations": 1, "threads_s": 1}"#);
        let error = missing.expect_err("sequential_s is missing").to_string();
        assert!(error.contains("sequential_s"), "{error}");
    }
}
