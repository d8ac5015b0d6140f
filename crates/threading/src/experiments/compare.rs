//! `compare`: the Python twins run by CPython, beside the same experiments in Rust.
//!
//! Each twin in `python/` prints one JSON object; this module runs it with `python3` against the
//! same local server and the same sizes, runs the Rust side, and puts both in one table per
//! experiment. The scripts are compiled into the binary (`include_str!`) and passed to
//! `python3 -c`, so `compare` works from any directory, and the files stay runnable by hand.

use std::process::Command;
use std::time::Duration;

use gil_sim::Mode;
use lesson_kit::measure::measure_child;
use lesson_kit::report::group_thousands;
use lesson_kit::{DelayServer, Experiment, Figure, Run, Trace, measure};
use serde_json::Value;

use super::{LessonError, Outcome, Settings, faster_or_slower, ratio, seconds};
use crate::compute::{self, TASKS};
use crate::cost::{self, ProbeRequest};
use crate::fetch::{Client, fetch_all_sequential, fetch_all_threaded};

const WAITING_PY: &str = include_str!("../../python/waiting.py");
const COMPUTING_PY: &str = include_str!("../../python/computing.py");
const COST_PY: &str = include_str!("../../python/cost.py");

/// The Python interpreter `compare` runs.
pub const PYTHON: &str = "python3";

/// Runs the three comparisons; without python3, one experiment that says so (not an error).
pub fn run(settings: &Settings) -> Result<Vec<Outcome>, LessonError> {
    let version = match Command::new(PYTHON).arg("--version").output() {
        Ok(output) if output.status.success() => {
            String::from_utf8_lossy(&output.stdout).trim().to_string()
        }
        _ => {
            return Ok(vec![Outcome {
                experiment: Experiment::new("compare", "CPython beside Rust").intro(format!(
                    "{PYTHON} was not found (or would not run), so there is no CPython to \
                     compare with. Install Python 3 and run `cargo run -p threading -- compare` \
                     again; the Rust experiments run without it."
                )),
                problems: Vec::new(),
            }]);
        }
    };
    Ok(vec![
        waiting(settings, &version)?,
        computing(settings, &version)?,
        cost(settings, &version)?,
    ])
}

fn waiting(settings: &Settings, version: &str) -> Result<Outcome, LessonError> {
    let count = settings.count.unwrap_or(super::waiting::COUNT).max(1);
    let delay = settings
        .delay
        .unwrap_or(settings.size(Duration::from_millis(300), Duration::from_secs(3)));
    let server = DelayServer::start()?;
    let python = run_python(
        WAITING_PY,
        &[
            server.base_url(),
            format!("--count={count}"),
            format!("--delay-ms={}", delay.as_millis()),
        ],
    )?;
    let python_peak = server.peak_in_flight();
    server.reset_counts();

    let client = Client::new(Duration::from_secs(10).max(delay * 3))?;
    let urls: Vec<String> = (0..count).map(|_| server.delay_url(delay)).collect();
    let (_, rust_sequential) = measure(|| fetch_all_sequential(&client, &urls));
    let (_, rust_threaded) = measure(|| fetch_all_threaded(&client, &urls));
    let rust_peak = server.peak_in_flight();

    let mut experiment =
        Experiment::new("compare-waiting", "Waiting: CPython beside Rust").intro(format!(
            "{count} fetches of {} from the same local server, one after another and then one \
             thread each; {version} runs python/waiting.py.",
            seconds(delay.as_secs_f64())
        ));
    let mut problems = Vec::new();
    match &python {
        Ok(json) => {
            let sequential = number(json, "sequential_s");
            let threaded = number(json, "threaded_s");
            experiment = experiment
                .run(row(
                    "CPython: sequential",
                    sequential,
                    json.get("sequential_cpu_s"),
                    1.0,
                ))
                .run(
                    row(
                        &format!("CPython: {count} threads"),
                        threaded,
                        json.get("threaded_cpu_s"),
                        ratio(sequential, threaded),
                    )
                    .figure("peak in flight", Figure::Count(python_peak)),
                )
                .finding(format!(
                    "CPython's threads: {} than its loop; Rust's: {}. Both wait at the same time, \
                     since CPython drops the GIL while a thread waits for the network.",
                    faster_or_slower(ratio(sequential, threaded)),
                    faster_or_slower(ratio(secs(rust_sequential.wall), secs(rust_threaded.wall)))
                ));
        }
        Err(reason) => problems.push(format!("python/waiting.py: {reason}")),
    }
    let rust_speedup = ratio(secs(rust_sequential.wall), secs(rust_threaded.wall));
    let experiment = experiment
        .run(with_speedup(
            Run::measured("Rust: sequential", &rust_sequential),
            1.0,
        ))
        .run(
            with_speedup(
                Run::measured(format!("Rust: {count} threads"), &rust_threaded),
                rust_speedup,
            )
            .figure("peak in flight", Figure::Count(rust_peak)),
        );
    Ok(with_problems(experiment, problems))
}

fn computing(settings: &Settings, version: &str) -> Result<Outcome, LessonError> {
    let target = settings.size(Duration::from_millis(100), Duration::from_secs(2));
    let python = run_python(
        COMPUTING_PY,
        &[
            format!("--tasks={TASKS}"),
            format!("--target-ms={}", target.as_millis()),
            "--repeat=3".to_string(),
        ],
    )?;
    let n = compute::iterations_for(target);
    let (_, rust_sequential) = measure(|| compute::sequential(TASKS, n));
    let (_, rust_threads) = measure(|| compute::on_rust_threads(TASKS, n, &Trace::new()));
    let (gil, gil_threads) =
        measure(|| compute::under_gil(Mode::Cpython312, "GIL", TASKS, n, &Trace::new()));
    let rust_speedup = ratio(secs(rust_sequential.wall), secs(rust_threads.wall));
    let gil_speedup = ratio(secs(rust_sequential.wall), secs(gil_threads.wall));

    let mut experiment = Experiment::new("compare-computing", "Computing: CPython beside Rust")
        .intro(format!(
            "{TASKS} countdowns of about {} each (each language sizes its own to that), one \
             after another and then one thread each; {version} runs python/computing.py (the \
             median of 3 runs of each: a busy machine moves single CPython runs a lot).",
            seconds(target.as_secs_f64())
        ));
    let mut problems = Vec::new();
    match &python {
        Ok(json) => {
            let sequential = number(json, "sequential_s");
            let threaded = number(json, "threaded_s");
            let python_speedup = ratio(sequential, threaded);
            experiment = experiment
                .run(row(
                    "CPython: sequential",
                    sequential,
                    json.get("sequential_cpu_s"),
                    1.0,
                ))
                .run(row(
                    &format!("CPython: {TASKS} threads"),
                    threaded,
                    json.get("threaded_cpu_s"),
                    python_speedup,
                ))
                .finding(format!(
                    "CPython's threads: {} than its loop; gil-sim's threads under the simulated \
                     GIL: {}; plain Rust threads: {}.",
                    faster_or_slower(python_speedup),
                    faster_or_slower(gil_speedup),
                    faster_or_slower(rust_speedup)
                ));
        }
        Err(reason) => problems.push(format!("python/computing.py: {reason}")),
    }
    let experiment = experiment
        .run(with_speedup(
            Run::measured("Rust: sequential", &rust_sequential),
            1.0,
        ))
        .run(with_speedup(
            Run::measured(format!("Rust: {TASKS} threads"), &rust_threads),
            rust_speedup,
        ))
        .run(
            with_speedup(
                Run::measured(format!("gil-sim: {TASKS} threads, GIL"), &gil_threads),
                gil_speedup,
            )
            .figure("GIL switches", Figure::Count(gil.switches)),
        );
    Ok(with_problems(experiment, problems))
}

fn cost(settings: &Settings, version: &str) -> Result<Outcome, LessonError> {
    let samples = settings.size(1_000u64, 10_000);
    let many = super::cost::MANY;
    let python = run_python(
        COST_PY,
        &[format!("--samples={samples}"), format!("--threads={many}")],
    )?;
    let rust_median = cost::spawn_join_median(samples as usize);
    let rust_many = cost::run_probe(
        &settings.exe,
        &ProbeRequest {
            threads: many,
            stack_kib: None,
            stop_before_limit: false,
            checkpoint: Some(many),
            deadline: Duration::from_secs(60),
        },
    )
    .map_err(|source| LessonError::Probe {
        exe: settings.exe.display().to_string(),
        source,
    })?;

    let label = format!("{} sleeping threads", group_thousands(many));
    let mut experiment =
        Experiment::new("compare-cost", "What a thread costs: CPython beside Rust").intro(format!(
            "Start and join one thread ({} times; the median), then start {} threads that sleep \
             until released; {version} runs python/cost.py.",
            group_thousands(samples),
            group_thousands(many)
        ));
    let mut problems = Vec::new();
    match &python {
        Ok(json) => {
            let median = number(json, "spawn_join_median_s");
            let start_all = number(json, "start_all_s");
            let mut many_row = Run::new(
                format!("CPython: {label}"),
                Duration::from_secs_f64(start_all),
            );
            if let Some(rss) = json.get("rss_bytes").and_then(Value::as_u64) {
                many_row = many_row.figure("memory", Figure::Bytes(rss));
            }
            experiment = experiment
                .run(Run::new(
                    "CPython: spawn + join",
                    Duration::from_secs_f64(median),
                ))
                .run(many_row)
                .finding(format!(
                    "Start and join: CPython {}, Rust {}. {} threads: CPython {}, Rust {}.",
                    seconds(median),
                    seconds(secs(rust_median)),
                    group_thousands(many),
                    seconds(start_all),
                    rust_many
                        .checkpoint
                        .map_or("(did not finish)".into(), |(_, s, _)| seconds(s))
                ));
        }
        Err(reason) => problems.push(format!("python/cost.py: {reason}")),
    }
    let mut rust_row = match rust_many.checkpoint {
        Some((_, s, rss)) => Run::new(format!("Rust: {label}"), Duration::from_secs_f64(s))
            .figure("memory", Figure::Bytes(rss)),
        None => Run::new(format!("Rust: {label}"), rust_many.child.wall)
            .figure("ended", Figure::Text(rust_many.ending.to_string())),
    };
    if rust_many.checkpoint.is_none() {
        problems.push(format!("Rust: {label}: the child {}", rust_many.ending));
        rust_row = rust_row.figure("threads", Figure::Count(rust_many.started));
    }
    let experiment = experiment
        .run(Run::new("Rust: spawn + join", rust_median))
        .run(rust_row)
        .intro("Memory is the process's resident memory with all those threads alive.");
    Ok(with_problems(experiment, problems))
}

/// Runs a twin with `python3 -c SCRIPT ARGS…` and reads the JSON object it prints. The outer
/// error is "could not start python3"; the inner one, what went wrong in the script.
fn run_python(script: &str, args: &[String]) -> Result<Result<Value, String>, LessonError> {
    let mut command = Command::new(PYTHON);
    command.arg("-c").arg(script).args(args);
    let output = measure_child(&mut command).map_err(LessonError::Python)?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("(no message)");
        return Ok(Err(format!("exited with {}: {last}", output.status)));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    Ok(serde_json::from_str(stdout.trim()).map_err(|e| format!("printed no JSON object ({e})")))
}

/// A CPython row from its figures.
fn row(label: &str, wall_s: f64, cpu_s: Option<&Value>, speedup: f64) -> Run {
    let mut run = with_speedup(
        Run::new(label, Duration::from_secs_f64(wall_s.max(0.0))),
        speedup,
    );
    run.cpu_s = cpu_s.and_then(Value::as_f64);
    run
}

fn number(json: &Value, key: &str) -> f64 {
    json.get(key).and_then(Value::as_f64).unwrap_or(0.0)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn with_problems(mut experiment: Experiment, problems: Vec<String>) -> Outcome {
    for problem in &problems {
        experiment = experiment.finding(format!("✗ {problem}"));
    }
    Outcome {
        experiment,
        problems,
    }
}

/// Sets a row's speedup against its own language's sequential run (`speedups_against` knows only
/// one baseline per experiment).
fn with_speedup(mut run: Run, speedup: f64) -> Run {
    run.speedup = Some(speedup);
    run
}
