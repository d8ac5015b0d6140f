//! `cargo run -p gil-sim -- compare`: experiments 1–4 held against real CPython.
//!
//! For each, the Python twin in `python/` runs under `python3` with the same sizes, and one row
//! puts three figures side by side: CPython's, gil-sim's on real threads, and the model's, with
//! the ratios to CPython's. The figures are ratios within one run (a speedup, a slowdown), so that
//! CPython's slower loop iterations do not get in the way.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use lesson_kit::measure::measure_child;
use lesson_kit::report::format_seconds;
use lesson_kit::{DelayServer, Experiment, Figure, Run};
use serde_json::Value;

use crate::experiments::{
    Context, ExperimentError, MODEL_COLUMN, convoy, cpu_bound, interval_sweep, io_bound, ratio,
    secs,
};

/// Why the comparison could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("could not run python3 {script}: {source}")]
    Spawn {
        script: String,
        source: std::io::Error,
    },
    #[error("python3 {script} failed ({status}):\n{stderr}")]
    Failed {
        script: String,
        status: String,
        stderr: String,
    },
    #[error("python3 {script} printed something that is not its JSON figures: {source}")]
    BadOutput {
        script: String,
        source: serde_json::Error,
    },
    #[error("python3 {script} did not report {field}")]
    MissingFigure { script: String, field: String },
    #[error(transparent)]
    Experiment(#[from] ExperimentError),
    #[error(transparent)]
    Server(#[from] lesson_kit::ServerError),
}

/// `python3 --version`, if python3 runs here.
pub fn python_version() -> Option<String> {
    let output = Command::new("python3").arg("--version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Where the twins live: `crates/gil-sim/python/`.
pub fn twins_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python")
}

/// Runs `python3 python/<script> <args>` and reads the one JSON object it prints.
pub fn run_twin(script: &str, args: &[String]) -> Result<Value, CompareError> {
    let output = measure_child(
        Command::new("python3")
            .arg(twins_dir().join(script))
            .args(args),
    )
    .map_err(|source| CompareError::Spawn {
        script: script.into(),
        source,
    })?;
    if !output.status.success() {
        return Err(CompareError::Failed {
            script: script.into(),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    serde_json::from_slice(&output.stdout).map_err(|source| CompareError::BadOutput {
        script: script.into(),
        source,
    })
}

/// The number `field` of a twin's output.
fn number(value: &Value, script: &str, field: &str) -> Result<f64, CompareError> {
    value
        .pointer(field)
        .and_then(Value::as_f64)
        .ok_or_else(|| CompareError::MissingFigure {
            script: script.into(),
            field: field.into(),
        })
}

/// One row: a figure from CPython, from gil-sim's real threads and from the model.
struct Row {
    label: String,
    /// CPython's wall time for the run the row is about.
    cpython_wall: f64,
    cpython: f64,
    gil_sim: f64,
    model: f64,
}

impl Row {
    fn into_run(self) -> Run {
        Run::new(
            self.label,
            Duration::from_secs_f64(self.cpython_wall.max(0.0)),
        )
        .figure("CPython", Figure::Ratio(self.cpython))
        .figure("gil-sim", Figure::Ratio(self.gil_sim))
        .figure("model", Figure::Ratio(self.model))
        .figure(
            "gil-sim / CPython",
            Figure::Ratio(ratio(self.gil_sim, self.cpython)),
        )
        .figure(
            "model / CPython",
            Figure::Ratio(ratio(self.model, self.cpython)),
        )
    }

    /// Whether gil-sim's figure is within 10 % of CPython's: the target.
    fn close(&self) -> bool {
        (ratio(self.gil_sim, self.cpython) - 1.0).abs() <= 0.10
    }
}

/// A figure of run `label` of `experiment`: its wall time, or a named figure.
fn figure(experiment: &Experiment, label: &str, name: Option<&str>) -> f64 {
    let Some(run) = experiment.find_run(label) else {
        return 0.0;
    };
    match name {
        None => run.wall_s,
        Some(name) => run.get(name).and_then(Figure::as_f64).unwrap_or(0.0),
    }
}

/// How many times each side runs; every figure shown is the median. One run is not enough on a
/// shared two-core machine: a single slow baseline makes a speedup out of nothing.
pub const ROUNDS: usize = 3;

/// Runs experiments 1–4 and their twins [`ROUNDS`] times; one experiment with a row per compared
/// figure, each the median of its rounds.
pub fn compare(context: &Context, python: &str) -> Result<Experiment, CompareError> {
    let server = DelayServer::start()?;
    let rounds = (0..ROUNDS)
        .map(|_| one_round(context, &server))
        .collect::<Result<Vec<_>, _>>()?;
    let rows = median_rows(rounds);

    let close = rows.iter().filter(|row| row.close()).count();
    let total_rows = rows.len();
    let mut experiment = Experiment::new("compare", "gil-sim held against CPython")
        .intro(format!(
            "{python} ran our Python twins (crates/gil-sim/python/) with the same sizes as \
             gil-sim's experiments, {ROUNDS} times each, as did gil-sim; every figure is the \
             median. Each row is a ratio measured within one run: a speedup, or \
             a slowdown; \"wall\" is CPython's time for the run the row is about."
        ))
        .finding(format!(
            "gil-sim's real threads came within 10 % of CPython's figure on {close} of \
             {total_rows} rows."
        ));
    for row in rows {
        experiment = experiment.run(row.into_run());
    }
    Ok(experiment)
}

/// One run of every compared experiment and its twin.
fn one_round(context: &Context, server: &DelayServer) -> Result<Vec<Row>, CompareError> {
    let mut rows = Vec::new();
    // 1. cpu-bound: the speedup of 4 threads under the GIL.
    let n = cpu_bound::task_size(context);
    let twin = run_twin("cpu_bound.py", &["--n".into(), n.to_string()])?;
    let (seq, thr) = (
        number(&twin, "cpu_bound.py", "/sequential_s")?,
        number(&twin, "cpu_bound.py", "/threads_s")?,
    );
    let ours = cpu_bound::run(context);
    let threads_label = format!("{} threads, GIL", cpu_bound::TASKS);
    rows.push(speedup_row("cpu-bound", (seq, thr), &ours, &threads_label));

    // 2. io-bound: the speedup of one thread per download.
    let (downloads, delay) = io_bound::sizes(context);
    let twin = run_twin(
        "io_bound.py",
        &[
            "--url".into(),
            server.delay_url(delay),
            "--downloads".into(),
            downloads.to_string(),
        ],
    )?;
    let (seq, thr) = (
        number(&twin, "io_bound.py", "/sequential_s")?,
        number(&twin, "io_bound.py", "/threads_s")?,
    );
    let ours = io_bound::run(context)?;
    let threads_label = format!("{downloads} threads, GIL released");
    rows.push(speedup_row("io-bound", (seq, thr), &ours, &threads_label));

    // 3. convoy: how much slower each request is next to a CPU-bound thread.
    let requests = convoy::requests(context);
    let ours = convoy::run(context)?;
    for interval in convoy::INTERVALS {
        let twin = run_twin(
            "convoy.py",
            &[
                "--url".into(),
                server.delay_url(convoy::DELAY),
                "--requests".into(),
                requests.to_string(),
                "--interval".into(),
                interval.as_secs_f64().to_string(),
            ],
        )?;
        let (alone, with_cpu) = (
            number(&twin, "convoy.py", "/alone_per_request_s")?,
            number(&twin, "convoy.py", "/with_cpu_per_request_s")?,
        );
        let at = format_seconds(secs(interval));
        let (alone_label, cpu_label) = (
            format!("alone, interval {at}"),
            format!("with 1 CPU thread, interval {at}"),
        );
        rows.push(Row {
            label: format!("convoy {at}: request slowdown next to a CPU thread"),
            cpython_wall: with_cpu * requests as f64,
            cpython: ratio(with_cpu, alone),
            gil_sim: ratio(
                figure(&ours, &cpu_label, Some("per request")),
                figure(&ours, &alone_label, Some("per request")),
            ),
            model: ratio(
                figure(&ours, &cpu_label, Some(MODEL_COLUMN)),
                figure(&ours, &alone_label, Some(MODEL_COLUMN)),
            ),
        });
    }

    // 4. interval-sweep: time of 2 and 4 threads against one thread, per interval.
    let total = interval_sweep::total_work(context);
    let twin = run_twin("interval_sweep.py", &["--total".into(), total.to_string()])?;
    let one = number(&twin, "interval_sweep.py", "/one_thread_s")?;
    let ours = interval_sweep::run(context);
    let mut index = 0;
    for threads in interval_sweep::THREADS {
        for interval in interval_sweep::INTERVALS {
            let wall = number(&twin, "interval_sweep.py", &format!("/runs/{index}/wall_s"))?;
            index += 1;
            let label = format!("{threads} threads, {}", format_seconds(secs(interval)));
            rows.push(Row {
                label: format!("sweep: {label}, time against 1 thread"),
                cpython_wall: wall,
                cpython: ratio(wall, one),
                gil_sim: ratio(figure(&ours, &label, None), figure(&ours, "1 thread", None)),
                model: ratio(
                    figure(&ours, &label, Some(MODEL_COLUMN)),
                    figure(&ours, "1 thread", Some(MODEL_COLUMN)),
                ),
            });
        }
    }

    Ok(rows)
}

/// A row for a speedup: CPython's threads against its loop, beside gil-sim's measured and modelled
/// runs labelled `sequential` and `threads_label`.
fn speedup_row(kind: &str, (seq, thr): (f64, f64), ours: &Experiment, threads_label: &str) -> Row {
    Row {
        label: format!("{kind}: speedup of {threads_label}"),
        cpython_wall: thr,
        cpython: ratio(seq, thr),
        gil_sim: ratio(
            figure(ours, "sequential", None),
            figure(ours, threads_label, None),
        ),
        model: ratio(
            figure(ours, "sequential", Some(MODEL_COLUMN)),
            figure(ours, threads_label, Some(MODEL_COLUMN)),
        ),
    }
}

/// Row by row, the median of each figure over the rounds.
fn median_rows(rounds: Vec<Vec<Row>>) -> Vec<Row> {
    let Some(first) = rounds.first() else {
        return Vec::new();
    };
    (0..first.len())
        .map(|i| {
            let median_of = |field: fn(&Row) -> f64| {
                let mut values: Vec<f64> = rounds.iter().map(|round| field(&round[i])).collect();
                values.sort_by(f64::total_cmp);
                values[values.len() / 2]
            };
            Row {
                label: first[i].label.clone(),
                cpython_wall: median_of(|row| row.cpython_wall),
                cpython: median_of(|row| row.cpython),
                gil_sim: median_of(|row| row.gil_sim),
                model: median_of(|row| row.model),
            }
        })
        .collect()
}
