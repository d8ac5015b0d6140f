//! `how-many` beside `python/how_many.py`: 10,000 sleeping tasks (1,000,000 with `--full`) in
//! asyncio and in tokio, each in a process of its own: start time, wall time, memory per task.

use std::time::Duration;

use anyhow::Context as _;
use lesson_kit::measure::measure_child;
use lesson_kit::report::{format_bytes, format_seconds, group_thousands};
use lesson_kit::{
    Claim, Figure, Outcome, Run, SideBySide, Source, State, Timing, Trace, TraceData, Twins, Unit,
    Verdict, Versus, alternate,
};
use serde::{Deserialize, Serialize};

use crate::experiments::Settings;
use crate::many::{COMMAND, ChildFigures};

/// What `python/how_many.py` prints.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Twin {
    pub start_s: f64,
    pub wall_s: f64,
    pub baseline_rss_bytes: u64,
    pub peak_rss_bytes: u64,
    /// A traced run of `TRACED_TASKS` tasks, `TRACED_LANES` of them recorded (lesson_spans.py).
    #[serde(skip_serializing)]
    pub trace: TraceData,
}

/// The traced run's tasks, on each side: the article's thousand.
const TRACED_TASKS: usize = 1_000;
/// Of those, the tasks drawn: every 125th. A thousand lanes would be a grey wall, not a picture.
const TRACED_LANES: usize = 8;

/// One Rust run: the child's figures and its peak memory.
#[derive(Clone, Debug, Serialize)]
pub struct RustRun {
    pub figures: ChildFigures,
    pub peak_rss_bytes: u64,
}

/// One turn of `alternate`: the twin's figures, or the Rust child's.
enum Round {
    Python(Twin),
    Rust(RustRun),
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub tasks: u64,
    pub sleep_s: f64,
    pub cpython: Vec<Twin>,
    pub rust: Vec<RustRun>,
    /// The Rust child's peak memory with no task: its baseline.
    pub rust_baseline_rss: u64,
    /// A thousand sleeping tasks on each side, some of them drawn (see `TRACED_LANES`).
    pub timelines: SideBySide,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let tasks = settings
        .lesson
        .tasks
        .unwrap_or(settings.size(10_000, 1_000_000));
    let sleep = settings.size(Duration::from_millis(200), Duration::from_secs(2));
    let args = [
        format!("--tasks={tasks}"),
        format!("--sleep-ms={}", sleep.as_millis()),
        format!("--trace-tasks={TRACED_TASKS}"),
        format!("--trace-lanes={TRACED_LANES}"),
    ];
    let rust_run = |tasks: u64| -> anyhow::Result<RustRun> {
        let mut command = lesson_kit::child_command(COMMAND)?;
        command.args([
            "--way",
            "spawn",
            "--tasks",
            &tasks.to_string(),
            "--sleep-ms",
            &sleep.as_millis().to_string(),
        ]);
        let output = measure_child(&mut command)?;
        anyhow::ensure!(
            output.status.success(),
            "the Rust child ended with {}",
            output.status
        );
        Ok(RustRun {
            figures: serde_json::from_slice(&output.stdout).context("the Rust child's figures")?,
            peak_rss_bytes: output.peak_rss_bytes.unwrap_or(0),
        })
    };
    let baseline = rust_run(0)?.peak_rss_bytes;
    let [cpython, rust]: [Vec<anyhow::Result<Round>>; 2] = alternate(
        settings.repeat,
        [
            &mut || {
                let twin = twins.run::<Twin>("how_many.py", &args);
                Ok(Round::Python(twin.context("python/how_many.py")?))
            },
            &mut || Ok(Round::Rust(rust_run(tasks)?)),
        ],
    );
    let mut python_runs = Vec::new();
    let mut rust_runs = Vec::new();
    for round in cpython.into_iter().chain(rust) {
        match round? {
            Round::Python(twin) => python_runs.push(twin),
            Round::Rust(run) => rust_runs.push(run),
        }
    }
    let Some(last_python) = python_runs.last() else {
        anyhow::bail!("no turn ran");
    };
    let timelines = SideBySide::new(
        twins.version.clone(),
        last_python.trace.clone(),
        traced_tokio(sleep)?,
    )
    .note(format!(
        "{TRACED_LANES} of {} tasks drawn on each side (every {}th); the others ran the same \
         code, unrecorded. The Rust run is tokio's current-thread runtime in the lesson's own \
         process.",
        group_thousands(TRACED_TASKS as u64),
        TRACED_TASKS / TRACED_LANES
    ));
    Ok(Figures {
        timelines,
        python: twins.version.clone(),
        tasks,
        sleep_s: sleep.as_secs_f64(),
        cpython: python_runs,
        rust: rust_runs,
        rust_baseline_rss: baseline,
    })
}

/// `TRACED_TASKS` sleeping tokio tasks, as the twin's traced run: each drawn task's lane shows it
/// created and not yet polled (starting), asleep, then running to its end.
fn traced_tokio(sleep: Duration) -> anyhow::Result<TraceData> {
    let trace = Trace::new();
    let step = TRACED_TASKS / TRACED_LANES;
    crate::runtime::current_thread()?.block_on(async {
        let mut running = Vec::with_capacity(TRACED_TASKS);
        for index in 0..TRACED_TASKS {
            let lane = (index % step == 0).then(|| trace.lane(format!("task {}", index + 1)));
            let created = trace.now_s();
            running.push(tokio::spawn(async move {
                let Some(lane) = lane else {
                    return tokio::time::sleep(sleep).await;
                };
                let first = lane.now_s();
                lane.record(State::Starting, created, first);
                tokio::time::sleep(sleep).await;
                let woke = lane.now_s();
                lane.record(State::Sleeping, first, woke);
                lane.record(State::Running, woke, lane.now_s());
            }));
        }
        for task in running {
            task.await?;
        }
        anyhow::Ok(())
    })?;
    Ok(trace.snapshot())
}

pub fn report(figures: &Figures) -> Outcome {
    let n = figures.tasks;
    let (python_bytes, rust_bytes) = bytes_per_task(figures);
    let python_wall = Timing::wall_seconds(figures.cpython.iter().map(|t| t.wall_s));
    let rust_wall = Timing::wall_seconds(figures.rust.iter().map(|r| r.figures.wall_s));
    Outcome::new("compare-how-many", "How many tasks: asyncio beside tokio")
        .intro(format!(
            "{} tasks that each sleep {}, in {} and in tokio (one current-thread runtime), each \
             run in a process of its own.",
            group_thousands(n),
            format_seconds(figures.sleep_s),
            figures.python
        ))
        .run(
            Run::timed(
                format!("{}: create_task × {}", figures.python, group_thousands(n)),
                &python_wall,
            )
            .figure("bytes/task", Figure::Bytes(python_bytes)),
        )
        .run(
            Run::timed(format!("Rust: spawn × {}", group_thousands(n)), &rust_wall)
                .figure("bytes/task", Figure::Bytes(rust_bytes)),
        )
        .versus(Versus::new(
            "how-many",
            format!("{} tasks sleeping", group_thousands(n)),
            &python_wall.wall,
            &rust_wall.wall,
        ))
        .finding(format!(
            "Memory per task: {} in CPython, {} in tokio.",
            format_bytes(python_bytes),
            format_bytes(rust_bytes)
        ))
        .claim(no_problem_claim(figures, &python_wall))
        .side_by_side(figures.timelines.clone())
}

/// The most memory each task took in any run, CPython's and tokio's: the peak over the
/// process's own baseline, shared out over the tasks.
fn bytes_per_task(figures: &Figures) -> (u64, u64) {
    let per_task = |peak: u64, base: u64| peak.saturating_sub(base) / figures.tasks.max(1);
    let python = figures
        .cpython
        .iter()
        .map(|t| per_task(t.peak_rss_bytes, t.baseline_rss_bytes))
        .max();
    let rust = figures
        .rust
        .iter()
        .map(|r| per_task(r.peak_rss_bytes, figures.rust_baseline_rss))
        .max();
    (python.unwrap_or(0), rust.unwrap_or(0))
}

/// The article's "no problem", judged on CPython: all the sleeps end within 1.5 sleeps.
fn no_problem_claim(figures: &Figures, python_wall: &Timing) -> Claim {
    let waits = python_wall.wall.map(Unit::Ratio, |s| s / figures.sleep_s);
    Claim::new(
        format!(
            "Creating {} coroutines is no problem.",
            group_thousands(figures.tasks)
        ),
        Source::ARTICLE,
    )
    .measured(format!(
        "CPython: {} for a sleep of {} ({waits}).",
        format_seconds(python_wall.wall_s()),
        format_seconds(figures.sleep_s)
    ))
    .judge(&waits, |x| {
        if x < 1.5 {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(python_wall_s: &[f64]) -> Figures {
        Figures {
            python: "Python 3.11.7".into(),
            tasks: 10_000,
            sleep_s: 0.2,
            cpython: python_wall_s
                .iter()
                .map(|&wall_s| Twin {
                    start_s: 0.1,
                    wall_s,
                    baseline_rss_bytes: 20_000_000,
                    peak_rss_bytes: 35_000_000,
                    trace: empty(),
                })
                .collect(),
            rust: vec![RustRun {
                figures: ChildFigures {
                    finished: 10_000,
                    start_s: 0.004,
                    wall_s: 0.21,
                    future_bytes: 136,
                    allocator: crate::allocator::Allocator::Mimalloc,
                },
                peak_rss_bytes: 9_000_000,
            }],
            rust_baseline_rss: 4_000_000,
            timelines: SideBySide::new("Python 3.11.7", empty(), empty()).note("8 of 1,000"),
        }
    }

    fn empty() -> TraceData {
        Trace::new().snapshot()
    }

    #[test]
    fn bytes_per_task_and_the_claim_come_from_the_figures() {
        let outcome = report(&figures(&[0.25, 0.26]));
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
        let pair = outcome.side_by_side.as_ref().expect("both timelines kept");
        assert_eq!(pair.note.as_deref(), Some("8 of 1,000"));
        assert!(
            outcome.findings[0].contains("1.5 KiB") || outcome.findings[0].contains("1,500"),
            "{}",
            outcome.findings[0]
        );
        assert!(
            outcome.findings[0].contains("500 B"),
            "{}",
            outcome.findings[0]
        );
    }

    #[test]
    fn a_slow_cpython_does_not_hold_and_a_straddle_is_unclear() {
        assert_eq!(
            report(&figures(&[0.9, 1.0])).claims[0].verdict,
            Verdict::DoesNotHold
        );
        assert_eq!(
            report(&figures(&[0.25, 0.9])).claims[0].verdict,
            Verdict::Unclear
        );
    }
}
