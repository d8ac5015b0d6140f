//! Experiment `how-many`: what a task costs. N tasks that each sleep, started and waited for five
//! ways, beside N OS threads; the time to start them, the wall time, the peak memory and the bytes
//! per task. Each run is a child process of its own (see [`crate::many`]).
//!
//! Python twin: `python/how_many.py`. Example: `12_many_tasks.rs`.

use std::time::Duration;

use lesson_kit::measure::measure_child;
use lesson_kit::report::{format_bytes, format_seconds, group_thousands};
use lesson_kit::{Claim, Figure, Outcome, Run, Samples, Source, Timing, Unit, Verdict};
use serde::Serialize;

use super::{LessonError, Settings};
use crate::allocator::{self, Allocator};
use crate::many::{COMMAND, ChildFigures, Way};

pub const JOIN_ALL_ISSUE: Source = Source::link(
    "futures-rs#1603",
    "https://github.com/rust-lang/futures-rs/issues/1603",
);

/// The size the article's claim is about.
pub const CLAIM_TASKS: u64 = 10_000;
/// `FuturesUnordered` polls a million sleeps in place for over two minutes (measured once: 134 s;
/// the timers' wakers and the stream's ready queue fight): the tour runs it up to this size.
pub const FUTURES_UNORDERED_MAX: u64 = 100_000;
/// The allocators' own start-up reserves hide a task's block below this: the glibc row runs at
/// this size and above (and the tour adds this size for it and its mimalloc twin when it would not).
pub const ALLOCATOR_TASKS: u64 = 100_000;
/// OS threads beyond this are the threading lesson's subject (its `cost` experiment finds the
/// ceiling, near 16,000 on a default Linux): started here only up to the claim's size.
pub const THREADS_MAX: u64 = CLAIM_TASKS;

/// One way at one size.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub way: Way,
    pub tasks: u64,
    pub finished: u64,
    pub start_s: f64,
    pub wall: Timing,
    /// The child's peak resident memory.
    pub peak_rss: Option<u64>,
    pub future_bytes: u64,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub sleep_s: f64,
    /// The peak memory of the same child starting no task: what every row's memory sits on.
    pub baseline_rss: Option<u64>,
    /// The same on glibc's `malloc`, for the row that runs on it.
    pub baseline_rss_system_malloc: Option<u64>,
    pub rows: Vec<Row>,
    /// Children that failed, with the reason.
    pub failures: Vec<String>,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let sleep = settings.size(Duration::from_millis(100), Duration::from_secs(2));
    let largest = settings
        .lesson
        .tasks
        .unwrap_or(settings.size(CLAIM_TASKS, 1_000_000));
    let sizes: Vec<u64> = [CLAIM_TASKS, 100_000, 1_000_000]
        .into_iter()
        .filter(|&n| n < largest)
        .chain([largest])
        .collect();
    let mut failures = Vec::new();
    let baseline = run(Way::Spawn, 0, sleep)?;
    let baseline_system_malloc = run(Way::SpawnSystemMalloc, 0, sleep)?;
    let mut rows = Vec::new();
    for &tasks in &sizes {
        // At the claim's size the spawned tasks run `--repeat` times: that claim is timed. The
        // other rows are memory and a first look at the times, measured once.
        if tasks == CLAIM_TASKS {
            let runs = (0..settings.repeat.max(1)).map(|_| run(Way::Spawn, tasks, sleep));
            rows.extend(row(Way::Spawn, tasks, runs.collect(), &mut failures)?);
        }
        for way in Way::ALL {
            let repeated_above = tasks == CLAIM_TASKS && way == Way::Spawn;
            let too_many = (way == Way::FuturesUnordered && tasks > FUTURES_UNORDERED_MAX)
                || (way == Way::Threads && tasks > THREADS_MAX);
            let too_few = way == Way::SpawnSystemMalloc && tasks < ALLOCATOR_TASKS;
            if !repeated_above && !too_many && !too_few {
                rows.extend(row(
                    way,
                    tasks,
                    vec![run(way, tasks, sleep)],
                    &mut failures,
                )?);
            }
        }
    }
    if largest < ALLOCATOR_TASKS {
        for way in [Way::Spawn, Way::SpawnSystemMalloc] {
            let runs = vec![run(way, ALLOCATOR_TASKS, sleep)];
            rows.extend(row(way, ALLOCATOR_TASKS, runs, &mut failures)?);
        }
    }
    Ok(Figures {
        sleep_s: sleep.as_secs_f64(),
        baseline_rss: baseline.peak_rss,
        baseline_rss_system_malloc: baseline_system_malloc.peak_rss,
        rows,
        failures,
    })
}

/// One child's run: what it printed (or why it failed) and its peak memory.
struct ChildRun {
    figures: Result<ChildFigures, String>,
    peak_rss: Option<u64>,
}

/// Runs one child. `Err` only when it cannot start.
fn run(way: Way, tasks: u64, sleep: Duration) -> Result<ChildRun, LessonError> {
    let mut command = lesson_kit::child_command(COMMAND).map_err(LessonError::Child)?;
    command.args([
        "--way",
        way_arg(way),
        "--tasks",
        &tasks.to_string(),
        "--sleep-ms",
        &sleep.as_millis().to_string(),
    ]);
    let expected = expected_allocator(way);
    command.env(allocator::VARIABLE, expected.variable_value());
    let output = measure_child(&mut command).map_err(LessonError::Child)?;
    let printed = String::from_utf8_lossy(&output.stdout);
    let figures = if output.status.success() {
        serde_json::from_str(printed.trim())
            .map_err(|e| format!("{}: {e}", way.label()))
            .and_then(|figures: ChildFigures| on_allocator(figures, expected, way))
    } else {
        Err(format!(
            "{} × {}: the child ended with {}: {}",
            way.label(),
            group_thousands(tasks),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    };
    Ok(ChildRun {
        figures,
        peak_rss: output.peak_rss_bytes,
    })
}

/// glibc's `malloc` for the one way that shows it, mimalloc (the lesson's own) for the others.
fn expected_allocator(way: Way) -> Allocator {
    match way {
        Way::SpawnSystemMalloc => Allocator::System,
        _ => Allocator::Mimalloc,
    }
}

/// A child that ran on another allocator than asked measured something else: a failure.
fn on_allocator(
    figures: ChildFigures,
    expected: Allocator,
    way: Way,
) -> Result<ChildFigures, String> {
    if figures.allocator == expected {
        Ok(figures)
    } else {
        Err(format!(
            "{}: the child ran on {}, not {}",
            way.label(),
            figures.allocator.label(),
            expected.label()
        ))
    }
}

fn way_arg(way: Way) -> &'static str {
    match way {
        Way::Spawn => "spawn",
        Way::SpawnSystemMalloc => "spawn-system-malloc",
        Way::JoinSet => "join-set",
        Way::FuturesUnordered => "futures-unordered",
        Way::JoinAll => "join-all",
        Way::SharedTimer => "shared-timer",
        Way::Threads => "threads",
    }
}

/// One row from a way's runs; a failed run goes to `failures`.
fn row(
    way: Way,
    tasks: u64,
    runs: Vec<Result<ChildRun, LessonError>>,
    failures: &mut Vec<String>,
) -> Result<Option<Row>, LessonError> {
    let mut good = Vec::new();
    for run in runs {
        let run = run?;
        match run.figures {
            Ok(figures) => good.push((figures, run.peak_rss)),
            Err(failure) => failures.push(failure),
        }
    }
    let Some((last, _)) = good.last() else {
        return Ok(None);
    };
    Ok(Some(Row {
        way,
        tasks,
        finished: good.iter().map(|(f, _)| f.finished).min().unwrap_or(0),
        start_s: last.start_s,
        future_bytes: last.future_bytes,
        wall: Timing {
            wall: Samples::new(Unit::Seconds, good.iter().map(|(f, _)| f.wall_s)),
            cpu: None,
        },
        peak_rss: good.iter().filter_map(|(_, rss)| *rss).max(),
    }))
}

/// Bytes of memory per task above the baseline of the row's allocator.
pub fn bytes_per_task(row: &Row, figures: &Figures) -> Option<u64> {
    let baseline = match expected_allocator(row.way) {
        Allocator::System => figures.baseline_rss_system_malloc,
        Allocator::Mimalloc => figures.baseline_rss,
    };
    let (peak, base) = (row.peak_rss?, baseline?);
    Some(peak.saturating_sub(base) / row.tasks.max(1))
}

pub fn report(figures: &Figures) -> Outcome {
    let mut outcome = Outcome::new("how-many", "How many tasks: what one costs").intro(format!(
        "Tasks that each sleep {}, on a current-thread runtime, started and awaited five ways, \
         beside one OS thread each (64 KiB stacks); every run in a child process of its own, so \
         that its peak memory is its own.",
        format_seconds(figures.sleep_s)
    ));
    for row in &figures.rows {
        let mut run = Run::timed(
            format!("{} × {}", row.way.label(), group_thousands(row.tasks)),
            &row.wall,
        )
        .figure("start all", Figure::Seconds(row.start_s))
        .figure("finished", Figure::Count(row.finished));
        if let Some(peak) = row.peak_rss {
            run = run.figure("peak RSS", Figure::Bytes(peak));
        }
        if let Some(per_task) = bytes_per_task(row, figures) {
            run = run.figure("bytes/task", Figure::Bytes(per_task));
        }
        outcome = outcome.run(run);
    }
    for failure in &figures.failures {
        outcome = outcome.problem(failure.clone());
    }
    for finding in [memory_finding(figures), allocator_finding(figures)]
        .into_iter()
        .flatten()
    {
        outcome = outcome.finding(finding);
    }
    outcome
        .finding(format!(
            "FuturesUnordered runs here up to {} only: a million sleeps polled in place take \
             minutes, not seconds. To see it: `cargo run --release -p coroutines -- --child \
             how-many --way futures-unordered --tasks 1000000 --sleep-ms 2000`.",
            group_thousands(FUTURES_UNORDERED_MAX)
        ))
        .claim(ten_thousand_claim(figures))
        .claim(lighter_claim(figures))
        .claim(join_all_claim(figures))
}

/// What one task's memory is made of, and which way spent the least per task.
fn memory_finding(figures: &Figures) -> Option<String> {
    let spawned = find(figures, Way::Spawn, CLAIM_TASKS)?;
    let per_task = bytes_per_task(spawned, figures)?;
    let least = figures
        .rows
        .iter()
        .filter(|r| r.tasks == CLAIM_TASKS)
        .filter(|r| !matches!(r.way, Way::Threads | Way::SpawnSystemMalloc))
        .filter_map(|r| Some((bytes_per_task(r, figures)?, r)))
        .min_by_key(|(bytes, _)| *bytes)?;
    Some(format!(
        "A spawned task cost {} here: its future ({} bytes: the state machine with the `Sleep` \
         timer entry inside), plus the task around it (header, scheduler links, the \
         `JoinHandle`'s slot), in one block that tokio aligns to 128 bytes. The least per task \
         at 10,000: {}, {} (a future of {} bytes).",
        format_bytes(per_task),
        spawned.future_bytes,
        least.1.way.label(),
        format_bytes(least.0),
        least.1.future_bytes
    ))
}

/// The allocator's share, at the largest size that ran on both: the same tasks on mimalloc and on
/// glibc's `malloc`.
fn allocator_finding(figures: &Figures) -> Option<String> {
    let (mimalloc, system) = figures
        .rows
        .iter()
        .filter(|r| r.way == Way::SpawnSystemMalloc)
        .filter_map(|system| Some((find(figures, Way::Spawn, system.tasks)?, system)))
        .max_by_key(|(_, system)| system.tasks)?;
    let per_task = |row| bytes_per_task(row, figures);
    Some(format!(
        "The allocator decides a good part of that: at {} tasks, {} per task on mimalloc (this \
         lesson's allocator) and {} on glibc's malloc, which carves each 128-aligned block out \
         of a larger chunk and cannot reuse the slivers (see coroutines/src/allocator.rs).",
        group_thousands(system.tasks),
        format_bytes(per_task(mimalloc)?),
        format_bytes(per_task(system)?)
    ))
}

fn find(figures: &Figures, way: Way, tasks: u64) -> Option<&Row> {
    figures
        .rows
        .iter()
        .find(|r| r.way == way && r.tasks == tasks)
}

fn ten_thousand_claim(figures: &Figures) -> Claim {
    let claim = Claim::new("Creating 10,000 coroutines is no problem.", Source::ARTICLE);
    let Some(row) = find(figures, Way::Spawn, CLAIM_TASKS) else {
        return claim.unclear("10,000 tasks were not run (see --tasks)");
    };
    let waits = row.wall.wall.map(Unit::Ratio, |s| s / figures.sleep_s);
    let all = row.finished == row.tasks;
    claim
        .measured(format!(
            "{} of 10,000 tasks finished; all took {} ({waits} one sleep).",
            group_thousands(row.finished),
            format_seconds(row.wall.wall_s())
        ))
        .judge(&waits, |x| {
            if all && x < 1.5 {
                Verdict::Holds
            } else {
                Verdict::DoesNotHold
            }
        })
}

fn lighter_claim(figures: &Figures) -> Claim {
    let claim = Claim::new(
        "Coroutines are much lighter than threads: a task costs far less memory than a thread.",
        Source::ARTICLE,
    );
    let per_task = |way| find(figures, way, CLAIM_TASKS).and_then(|r| bytes_per_task(r, figures));
    let (Some(task), Some(thread)) = (per_task(Way::Spawn), per_task(Way::Threads)) else {
        return claim.unclear("tasks and threads were not both measured at 10,000");
    };
    claim
        .measured(format!(
            "at 10,000: {} per task, {} per thread (a 64 KiB stack, mostly untouched).",
            format_bytes(task),
            format_bytes(thread)
        ))
        .verdict(if thread > 2 * task.max(1) {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        })
}

fn join_all_claim(figures: &Figures) -> Claim {
    let claim = Claim::new(
        "`join_all` over many futures is quadratic: each wake-up polls every future.",
        JOIN_ALL_ISSUE,
    );
    let largest = figures.rows.iter().map(|r| r.tasks).max().unwrap_or(0);
    let (Some(joined), Some(spawned)) = (
        find(figures, Way::JoinAll, largest),
        find(figures, Way::Spawn, largest),
    ) else {
        return claim.unclear("join_all was not measured");
    };
    let slower = Samples::ratios(&joined.wall.wall, &spawned.wall.wall);
    claim
        .measured(format!(
            "{} handles: join_all {}, awaiting them in turn {} ({slower}). futures-util now \
             switches to a FuturesOrdered above 30 futures.",
            group_thousands(largest),
            format_seconds(joined.wall.wall_s()),
            format_seconds(spawned.wall.wall_s())
        ))
        .judge(&slower, |x| {
            if x > 2.0 {
                Verdict::Holds
            } else {
                Verdict::DoesNotHold
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(way: Way, tasks: u64, wall_s: &[f64], peak_rss: u64, finished: u64) -> Row {
        Row {
            way,
            tasks,
            finished,
            start_s: 0.004,
            wall: Timing {
                wall: Samples::new(Unit::Seconds, wall_s.iter().copied()),
                cpu: None,
            },
            peak_rss: Some(peak_rss),
            future_bytes: 128,
        }
    }

    fn figures(spawn_wall: &[f64], thread_rss: u64, join_all_wall: f64) -> Figures {
        let mib = 1 << 20;
        Figures {
            sleep_s: 0.2,
            baseline_rss: Some(4 * mib),
            baseline_rss_system_malloc: Some(3 * mib),
            rows: vec![
                row(Way::Spawn, CLAIM_TASKS, spawn_wall, 8 * mib, CLAIM_TASKS),
                row(Way::Threads, CLAIM_TASKS, &[0.5], thread_rss, CLAIM_TASKS),
                row(
                    Way::JoinAll,
                    CLAIM_TASKS,
                    &[join_all_wall],
                    8 * mib,
                    CLAIM_TASKS,
                ),
                row(Way::SharedTimer, CLAIM_TASKS, &[0.21], 6 * mib, CLAIM_TASKS),
            ],
            failures: Vec::new(),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn cheap_quick_tasks_hold_and_a_linear_join_all_does_not() {
        let outcome = report(&figures(&[0.21, 0.22, 0.21], 200 << 20, 0.22));
        assert_eq!(
            verdicts(&outcome),
            [Verdict::Holds, Verdict::Holds, Verdict::DoesNotHold]
        );
    }

    #[test]
    fn a_quadratic_join_all_holds_and_heavy_tasks_do_not() {
        let outcome = report(&figures(&[0.21, 0.22, 0.21], 9 << 20, 3.0));
        assert_eq!(
            verdicts(&outcome),
            [Verdict::Holds, Verdict::DoesNotHold, Verdict::Holds]
        );
    }

    #[test]
    fn slow_or_straddling_starts_are_judged_from_every_sample() {
        let outcome = report(&figures(&[0.5, 0.6], 200 << 20, 0.22));
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
        let outcome = report(&figures(&[0.21, 0.5], 200 << 20, 0.22));
        assert_eq!(outcome.claims[0].verdict, Verdict::Unclear);
    }

    #[test]
    fn the_allocator_finding_compares_the_largest_size_run_on_both() {
        let mut figures = figures(&[0.21], 200 << 20, 0.22);
        assert_eq!(allocator_finding(&figures), None);
        let million = 1_000_000;
        figures.rows.extend([
            row(Way::Spawn, million, &[2.2], 260 << 20, million),
            row(Way::SpawnSystemMalloc, million, &[2.7], 440 << 20, million),
            row(
                Way::SpawnSystemMalloc,
                CLAIM_TASKS,
                &[0.2],
                9 << 20,
                CLAIM_TASKS,
            ),
        ]);
        let finding = allocator_finding(&figures).unwrap_or_default();
        assert!(finding.contains("at 1,000,000 tasks"), "{finding}");
        assert!(finding.contains("268 B per task on mimalloc"), "{finding}");
        assert!(finding.contains("458 B on glibc"), "{finding}");
    }

    #[test]
    fn a_child_on_the_wrong_allocator_is_a_failure() {
        let figures = ChildFigures {
            finished: 1,
            start_s: 0.0,
            wall_s: 0.1,
            future_bytes: 136,
            allocator: Allocator::System,
        };
        assert!(on_allocator(figures.clone(), Allocator::System, Way::SpawnSystemMalloc).is_ok());
        let wrong = on_allocator(figures, Allocator::Mimalloc, Way::Spawn);
        assert_eq!(
            wrong,
            Err("spawn + JoinHandles: the child ran on glibc malloc, not mimalloc".into())
        );
    }

    #[test]
    fn bytes_per_task_are_above_the_baseline() {
        let mut figures = figures(&[0.21], 200 << 20, 0.22);
        figures.baseline_rss = Some(4_000_000);
        figures.baseline_rss_system_malloc = Some(3_000_000);
        let on_mimalloc = row(Way::Spawn, 1000, &[0.2], 5_000_000, 1000);
        let on_glibc = row(Way::SpawnSystemMalloc, 1000, &[0.2], 5_000_000, 1000);
        assert_eq!(bytes_per_task(&on_mimalloc, &figures), Some(1000));
        assert_eq!(bytes_per_task(&on_glibc, &figures), Some(2000));
        figures.baseline_rss = None;
        assert_eq!(bytes_per_task(&on_mimalloc, &figures), None);
    }

    #[test]
    fn a_failed_child_is_a_problem_and_missing_sizes_are_unclear() {
        let mut figures = figures(&[0.21], 200 << 20, 0.22);
        figures.rows.clear();
        figures.failures.push("threads × 10,000: killed".into());
        let outcome = report(&figures);
        assert_eq!(outcome.problems.len(), 1);
        assert_eq!(verdicts(&outcome), [Verdict::Unclear; 3]);
    }
}
