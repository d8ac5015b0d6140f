//! Experiment `advise`: the article's decision tree, answered for your work and shown on this
//! machine. It asks what the work waits on, how many tasks and how long each (or takes
//! `--waits-on`, `--tasks`, `--per-task-ms`), answers with the tool and its size, then runs a
//! short version of that work with the advice and with the next best choice, and prints the
//! measured figure that justifies the answer.
//!
//! On a terminal a missing flag is asked for; otherwise (a pipe, the book, CI) it is never asked
//! and the default stands: the `pool-size` downloads.

use std::cell::RefCell;
use std::fs;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use lesson_kit::cleanup;
use lesson_kit::report::format_seconds;
use lesson_kit::{
    Claim, DelayServer, Measurement, Outcome, Run, Samples, Source, Timing, Verdict, alternate,
    stopwatch,
};
use serde::Serialize;

use super::pool_size::{as_coroutines, on_threads};
use super::{Flags, LessonError, Settings};
use crate::advice::{Advice, Tool, WaitsOn, Workload, advise, todays_python};
use crate::tasks::Task;
use crate::thread_pool::default_max_workers;
use crate::{Executor, Job, MapOptions, ProcessPoolExecutor, ThreadPoolExecutor};

#[derive(Debug, Serialize)]
pub struct Figures {
    pub workload: Workload,
    pub cores: usize,
    pub advice: Advice,
    pub today: Vec<String>,
    pub demo: Demo,
    pub failures: Vec<String>,
}

/// The short version of the work that ran here: the advice against the next best choice.
#[derive(Debug, Serialize)]
pub struct Demo {
    pub tasks: usize,
    /// What one task was made to take (a download's delay, a countdown's calibrated length);
    /// `None` for the disk, whose time is its own.
    pub per_task_s: Option<f64>,
    pub advised_label: String,
    pub advised: Timing,
    pub other_label: String,
    pub other: Timing,
}

/// The default workload when nobody is asked: `pool-size`'s hundred downloads of 300 ms.
const DEFAULT: Workload = Workload {
    waits_on: WaitsOn::Network,
    tasks: 100,
    per_task_ms: 300,
};

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let workload = workload(&settings.lesson)?;
    let cores = crate::cores();
    let advice = advise(workload, cores);
    let failures = RefCell::new(Vec::new());
    let demo = demonstrate(settings, workload, advice.tool, &failures)?;
    Ok(Figures {
        workload,
        cores,
        today: todays_python(workload.waits_on)
            .iter()
            .map(|s| s.to_string())
            .collect(),
        advice,
        demo,
        failures: failures.into_inner(),
    })
}

/// The flags, with what is missing asked for on a terminal (never read from a pipe).
fn workload(flags: &Flags) -> Result<Workload, LessonError> {
    let complete = flags.waits_on.is_some() && flags.tasks.is_some() && flags.per_task_ms.is_some();
    let ask = !complete && io::stdin().is_terminal();
    let waits_on = match (flags.waits_on, ask) {
        (Some(w), _) => w,
        (None, true) => match question(
            "What does one task wait on? network, disk or cpu",
            "network",
        )?
        .as_str()
        {
            "network" => WaitsOn::Network,
            "disk" => WaitsOn::Disk,
            "cpu" => WaitsOn::Cpu,
            other => return Err(bad_answer(format!("{other:?} is not network, disk or cpu"))),
        },
        (None, false) => DEFAULT.waits_on,
    };
    let number = |flag: Option<u64>, prompt: &str, default: u64| -> Result<u64, LessonError> {
        match (flag, ask) {
            (Some(n), _) => Ok(n),
            (None, true) => {
                let answer = question(prompt, &default.to_string())?;
                match answer.parse::<u64>() {
                    Ok(n) if n >= 1 => Ok(n),
                    _ => Err(bad_answer(format!(
                        "{answer:?} is not a whole number from 1"
                    ))),
                }
            }
            (None, false) => Ok(default),
        }
    };
    let tasks = number(flags.tasks, "How many tasks?", DEFAULT.tasks)?;
    let per_task_ms = number(
        flags.per_task_ms,
        "How long does one take alone, in ms?",
        DEFAULT.per_task_ms,
    )?;
    Ok(Workload {
        waits_on,
        tasks,
        per_task_ms,
    })
}

/// Asks on stderr (stdout stays the report's), reads one line; an empty line takes `default`.
fn question(prompt: &str, default: &str) -> Result<String, LessonError> {
    eprint!("{prompt} [{default}]: ");
    io::stderr().flush().map_err(LessonError::Ask)?;
    let mut line = String::new();
    io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(LessonError::Ask)?;
    let answer = line.trim().to_lowercase();
    Ok(if answer.is_empty() {
        default.to_string()
    } else {
        answer
    })
}

fn bad_answer(message: String) -> LessonError {
    LessonError::Ask(io::Error::new(io::ErrorKind::InvalidInput, message))
}

/// Runs a short version of the work both ways, taking turns.
fn demonstrate(
    settings: &Settings,
    work: Workload,
    tool: Tool,
    failures: &RefCell<Vec<String>>,
) -> Result<Demo, LessonError> {
    let per_task = Duration::from_millis(work.per_task_ms)
        .min(settings.size(Duration::from_millis(200), Duration::from_secs(1)));
    let cap = |most: usize| usize::try_from(work.tasks).unwrap_or(most).min(most);
    let timed = |run: &mut dyn FnMut() -> Result<(), String>| -> Measurement {
        let (outcome, measurement) = stopwatch(run);
        if let Err(failure) = outcome {
            failures.borrow_mut().push(failure);
        }
        measurement
    };
    let (tasks, per_task_s, labels, [advised, other]) = match tool {
        Tool::Threads { workers } if work.waits_on == WaitsOn::Network => {
            let server = DelayServer::start()?;
            let n = cap(settings.size(48, 200));
            let urls: Vec<String> = (0..n).map(|_| server.delay_url(per_task)).collect();
            let (advised_w, other_w) = (workers.min(n), if workers.min(n) > 4 { 4 } else { 1 });
            lesson_kit::os::ensure_open_files(2 * n as u64 + 64)?;
            let runs = alternate(
                settings.repeat,
                [
                    &mut || timed(&mut || on_threads(advised_w, &urls)),
                    &mut || timed(&mut || on_threads(other_w, &urls)),
                ],
            );
            (
                n,
                Some(per_task.as_secs_f64()),
                [
                    format!("{advised_w} threads"),
                    format!("{other_w} thread(s)"),
                ],
                runs,
            )
        }
        Tool::Coroutines => {
            let server = DelayServer::start()?;
            let n = cap(settings.size(1000, 5000));
            let urls: Vec<String> = (0..n).map(|_| server.delay_url(per_task)).collect();
            lesson_kit::os::ensure_open_files(2 * n as u64 + 64)?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(LessonError::Runtime)?;
            let threads = default_max_workers();
            let runs = alternate(
                settings.repeat,
                [
                    &mut || timed(&mut || runtime.block_on(as_coroutines(&urls))),
                    &mut || timed(&mut || on_threads(threads, &urls)),
                ],
            );
            (
                n,
                Some(per_task.as_secs_f64()),
                [
                    format!("{n} coroutines"),
                    format!("{threads} threads (default)"),
                ],
                runs,
            )
        }
        Tool::Threads { workers } => {
            let n = cap(32);
            let scratch = cleanup::scratch_dir("advise").map_err(LessonError::Ask)?;
            let runs = alternate(
                settings.repeat,
                [
                    &mut || timed(&mut || write_files(&scratch, workers.min(n), n)),
                    &mut || timed(&mut || write_files(&scratch, 1, n)),
                ],
            );
            (
                n,
                None,
                [format!("{} threads", workers.min(n)), "in turn".to_string()],
                runs,
            )
        }
        Tool::Processes { workers } => {
            let n = cap(2 * workers);
            let steps = steps_for(per_task);
            let tasks: Vec<Task> = (0..n).map(|_| Task::Countdown(steps)).collect();
            let processes = ProcessPoolExecutor::new(workers)?;
            let threads = ThreadPoolExecutor::new(workers);
            let runs = alternate(
                settings.repeat,
                [
                    &mut || timed(&mut || run_all(&processes, &tasks)),
                    &mut || timed(&mut || run_all(&threads, &tasks)),
                ],
            );
            (
                n,
                Some(per_task.as_secs_f64()),
                [
                    format!("{workers} processes"),
                    format!("{workers} threads under one GIL"),
                ],
                runs,
            )
        }
    };
    let [advised_label, other_label] = labels;
    Ok(Demo {
        tasks,
        per_task_s,
        advised_label,
        advised: Timing::of(&advised),
        other_label,
        other: Timing::of(&other),
    })
}

fn run_all<E: Executor<Task>>(executor: &E, tasks: &[Task]) -> Result<(), String> {
    for result in executor.map(tasks.to_vec(), MapOptions::default()) {
        result.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// How many countdown steps take about `per_task` here: one short calibration run.
fn steps_for(per_task: Duration) -> u64 {
    const PROBE: u64 = 200_000;
    let start = Instant::now();
    let _ = Task::Countdown(PROBE).run();
    let probe_s = start.elapsed().as_secs_f64().max(1e-6);
    ((per_task.as_secs_f64() / probe_s) * PROBE as f64) as u64
}

/// `n` files of 1 MiB, each written and flushed to the disk (`fsync`), on `workers` threads.
fn write_files(scratch: &Path, workers: usize, n: usize) -> Result<(), String> {
    let executor = ThreadPoolExecutor::new(workers);
    let futures: Vec<_> = (0..n)
        .filter_map(|i| {
            let path = scratch.join(format!("{i}.bin"));
            executor
                .submit_fn(move || {
                    let file = fs::File::create(&path).map_err(|e| e.to_string())?;
                    (&file)
                        .write_all(&vec![7u8; 1 << 20])
                        .map_err(|e| e.to_string())?;
                    file.sync_all().map_err(|e| e.to_string())
                })
                .ok()
        })
        .collect();
    for future in futures {
        future.result(None).map_err(|e| e.to_string())?;
    }
    Ok(())
}

pub fn report(figures: &Figures) -> Outcome {
    let work = &figures.workload;
    let advice = &figures.advice;
    let demo = &figures.demo;
    let gain = Samples::ratios(&demo.other.wall, &demo.advised.wall);
    let mut outcome = Outcome::new("advise", "Which tool? The decision tree, measured here")
        .intro(format!(
            "Your work: {} tasks of {} ms, waiting on {:?}, on {} core(s).",
            work.tasks, work.per_task_ms, work.waits_on, figures.cores
        ))
        .finding(format!("Use `{}`: {}", advice.python, advice.why))
        .run(Run::timed(&demo.advised_label, &demo.advised))
        .run(Run::timed(&demo.other_label, &demo.other));
    for note in &figures.today {
        outcome = outcome.finding(format!("Today's Python: {note}"));
    }
    if !figures.failures.is_empty() {
        for failure in &figures.failures {
            outcome = outcome.problem(failure.clone());
        }
        return outcome;
    }
    outcome
        .speedups_against(&demo.other_label)
        .finding(format!(
            "Shown here on {} task(s){}: {} took {}, {} took {}: the advice was {gain} as fast. \
             Measured in full by `{}` (chapter \"{}\").",
            demo.tasks,
            demo.per_task_s
                .map(|s| format!(" of {}", format_seconds(s)))
                .unwrap_or_default(),
            demo.advised_label,
            format_seconds(demo.advised.wall_s()),
            demo.other_label,
            format_seconds(demo.other.wall_s()),
            advice.lesson,
            advice.chapter
        ))
        .claim(tree_claim(work.waits_on, advice, &gain))
}

/// The article's branch for this work, judged by the demonstration.
fn tree_claim(waits_on: WaitsOn, advice: &Advice, gain: &Samples) -> Claim {
    let branch = match (waits_on, advice.tool) {
        (_, Tool::Coroutines) => "Thousands of concurrent connections: asyncio.",
        (WaitsOn::Cpu, _) => "Continuous computation (CPU-bound): multiprocessing.",
        _ => "A few dozen simple I/O tasks: threading.",
    };
    Claim::new(branch, Source::ARTICLE)
        .measured(format!(
            "the advice ran {gain} as fast as the next best choice"
        ))
        .judge(gain, |x| match x {
            x if x >= 1.2 => Verdict::Holds,
            x if x >= 0.95 => Verdict::Partly,
            _ => Verdict::DoesNotHold,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(seconds: &[f64]) -> Timing {
        Timing::wall_seconds(seconds.iter().copied())
    }

    fn figures(waits_on: WaitsOn, advised: &[f64], other: &[f64]) -> Figures {
        let workload = Workload {
            waits_on,
            tasks: 40,
            per_task_ms: 100,
        };
        let advice = advise(workload, 2);
        Figures {
            workload,
            cores: 2,
            today: todays_python(waits_on)
                .iter()
                .map(|s| s.to_string())
                .collect(),
            demo: Demo {
                tasks: 40,
                per_task_s: Some(0.1),
                advised_label: "40 threads".into(),
                advised: timing(advised),
                other_label: "4 thread(s)".into(),
                other: timing(other),
            },
            advice,
            failures: Vec::new(),
        }
    }

    #[test]
    fn the_advice_names_the_python_and_the_chapter() {
        let outcome = report(&figures(WaitsOn::Network, &[0.11, 0.12], &[1.0, 1.01]));
        assert!(outcome.findings[0].contains("ThreadPoolExecutor(max_workers=40)"));
        assert!(
            outcome
                .findings
                .iter()
                .any(|f| f.contains("cargo run -p futures-api -- pool-size"))
        );
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
    }

    #[test]
    fn a_demonstration_that_does_not_show_the_gain_says_so() {
        let outcome = report(&figures(WaitsOn::Cpu, &[0.5, 0.5], &[0.4, 0.41]));
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
        assert!(outcome.claims[0].claim.contains("multiprocessing"));
        assert!(outcome.findings.iter().any(|f| f.contains("free-threaded")));
    }

    #[test]
    fn failures_are_problems_and_judge_nothing() {
        let mut figures = figures(WaitsOn::Disk, &[0.1], &[0.2]);
        figures.failures = vec!["disk full".into()];
        let outcome = report(&figures);
        assert_eq!(outcome.problems, ["disk full"]);
        assert!(outcome.claims.is_empty());
    }
}
