//! Experiment `cost`: what starting a thread costs, 10,000 sleeping threads, and where the count
//! stops.
//!
//! Python twin: `python/cost.py`. Example files: `08_thread_cost.rs`, `09_many_threads.rs`.

use std::time::Duration;

use lesson_kit::report::{format_bytes, format_seconds, group_thousands};
use lesson_kit::{Claim, Figure, Outcome, Run, Samples, Source, Timing, Unit, Verdict};
use serde::Serialize;

use super::{LessonError, Settings};
use crate::cost::spawn_join_median;
use crate::limits;
use crate::probe::parent::{Ending, ProbeReport, run_probe};
use crate::probe::{ProbeArgs, Why, Work};

/// The article's "10,000 threads".
pub const MANY: u64 = 10_000;
/// The limit run's stack size: small, to show that the ceiling is not about stack memory.
pub const LIMIT_STACK_KIB: u64 = 64;

#[derive(Debug, Serialize)]
pub struct Figures {
    /// Spawn + join of a thread that does nothing: the median of each batch.
    pub spawn_join: Samples,
    pub batch: usize,
    /// A child that starts `--threads` threads (the article's 10,000 by default) (Rust's default stacks) and times some
    /// work before the first and with all of them alive.
    pub many: ProbeReport,
    /// A child with small stacks that goes on until a limit stops it. `None` where the limits
    /// cannot be read (not Linux): not measured on this OS.
    pub limit: Option<ProbeReport>,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let batch = settings.size(1_000, 10_000);
    let spawn_join = Samples::seconds((0..settings.repeat).map(|_| spawn_join_median(batch)));

    let threads = settings.lesson.threads.unwrap_or(MANY);
    let mut many = ProbeArgs::new(threads);
    many.checkpoint = Some(threads);
    many.repeat = settings.repeat as u64;
    let many = run_probe(&many).map_err(LessonError::Probe)?;

    // Into the limit: on Linux, where the probe can read the limits it must not cross. The
    // bound keeps a machine with no such limit to a size it can afford.
    let limit = if cfg!(target_os = "linux") {
        let mut limit = ProbeArgs::new(settings.size(40_000, 100_000));
        limit.stack_kib = Some(LIMIT_STACK_KIB);
        limit.repeat = 1;
        Some(run_probe(&limit).map_err(LessonError::Probe)?)
    } else {
        None
    };
    Ok(Figures {
        spawn_join,
        batch,
        many,
        limit,
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let many = &figures.many;
    let outcome = Outcome::new("cost", "What a thread costs, and how many fit")
        .intro(spawn_join_intro(figures))
        .intro(format!(
            "Then, in a child process, {} threads that sleep until the process ends (the \
             article's example), timing the same work before the first thread and with all of \
             them alive. Last, another child with {LIMIT_STACK_KIB} KiB stacks goes on until a \
             limit stops it, stopping short of any limit other programs share.",
            group_thousands(many.asked.threads)
        ))
        .run(spawn_join_row(figures))
        .run(many_row(many))
        .finding(format!(
            "Starting and joining one thread: {}.",
            figures.spawn_join
        ))
        .finding(many_finding(many));
    let outcome = slowdown_finding(many)
        .into_iter()
        .fold(outcome, Outcome::finding);
    let outcome = match &figures.limit {
        Some(limit) => limit_findings(limit)
            .into_iter()
            .fold(outcome.run(limit_row(limit)), Outcome::finding),
        None => outcome.finding(
            "Where the count stops: not measured on this OS (the probe reads Linux's limits \
             from /proc and /sys, and will not run into limits it cannot see).",
        ),
    };
    probe_problems(figures)
        .into_iter()
        .fold(outcome, Outcome::problem)
        .claim(spawn_join_claim(figures))
        .claim(many_claim(many))
}

fn spawn_join_intro(figures: &Figures) -> String {
    format!(
        "First: start a thread that does nothing and join it, {} times; the median, in each of \
         {} batches.",
        group_thousands(figures.batch as u64),
        figures.spawn_join.len()
    )
}

fn spawn_join_row(figures: &Figures) -> Run {
    let label = format!(
        "spawn + join (median of {})",
        group_thousands(figures.batch as u64)
    );
    let timing = Timing {
        wall: figures.spawn_join.clone(),
        cpu: None,
    };
    Run::timed(label, &timing)
}

/// What the children could not say: a probe that refused to run, or lines it printed that
/// were not its messages.
fn probe_problems(figures: &Figures) -> Vec<String> {
    let mut problems = Vec::new();
    for report in std::iter::once(&figures.many).chain(&figures.limit) {
        if let Some(refused) = &report.refused {
            problems.push(format!("the thread probe did not run: {refused}"));
        }
        for line in &report.unreadable {
            problems.push(format!(
                "the thread probe said something unreadable: {line}"
            ));
        }
    }
    problems
}

/// "A few milliseconds", against the median spawn + join of each batch: under 0.5 ms does not
/// hold, under 1 ms holds in part.
fn spawn_join_claim(figures: &Figures) -> Claim {
    Claim::new(
        "Starting a thread takes a few milliseconds.",
        Source::ARTICLE,
    )
    .measured(format!(
        "Start and join took {} (the median of {} each time).",
        figures.spawn_join,
        group_thousands(figures.batch as u64)
    ))
    .judge(&figures.spawn_join, |s| match s {
        s if s < 0.000_5 => Verdict::DoesNotHold,
        s if s < 0.001 => Verdict::Partly,
        _ => Verdict::Holds,
    })
}

/// "10,000 threads crash or crawl", judged on 10,000 threads: a crash before them holds it; all
/// of them alive and the work as fast as before does not.
fn many_claim(many: &ProbeReport) -> Claim {
    let claim = Claim::new(
        "Creating 10,000 threads crashes the program or slows it down badly.",
        Source::ARTICLE,
    );
    let unclear =
        |claim: Claim, measured: String, reason: String| claim.measured(measured).unclear(reason);
    if let Some(refused) = &many.refused {
        return unclear(
            claim,
            "nothing: the probe did not run".into(),
            refused.clone(),
        );
    }
    if many.asked.threads != MANY {
        return unclear(
            claim,
            format!(
                "This run asked for {} threads.",
                group_thousands(many.asked.threads)
            ),
            format!(
                "the claim is about {}; run `cost` without --threads to judge it",
                group_thousands(MANY)
            ),
        );
    }
    if let Some((threads, limit)) = &many.bound
        && *threads < MANY
    {
        return unclear(
            claim,
            format!(
                "The child stopped at {} threads.",
                group_thousands(*threads)
            ),
            format!(
                "only {} threads fit here beside the other programs ({limit}); the claim is \
                 about {}",
                group_thousands(*threads),
                group_thousands(MANY)
            ),
        );
    }
    let (Some(checkpoint), Some(before)) = (&many.checkpoint, &many.before) else {
        return claim
            .measured(format!(
                "The child {} after {} threads{}.",
                many.ending,
                group_thousands(many.spawned),
                many.message
                    .as_ref()
                    .map_or(String::new(), |m| format!(", saying \"{m}\""))
            ))
            .verdict(Verdict::Holds);
    };
    let slowdown = slowdown(&before.work, &checkpoint.work);
    claim
        .measured(format!(
            "{} threads started in {} and ran at once, using {} of memory; a countdown took \
             {slowdown} as long with them alive as before.",
            group_thousands(checkpoint.threads),
            format_seconds(checkpoint.elapsed_s),
            checkpoint
                .rss_bytes
                .map_or("an unknown amount".into(), format_bytes),
        ))
        .judge(&slowdown, |x| {
            if x < 1.5 {
                Verdict::DoesNotHold
            } else {
                Verdict::Partly
            }
        })
}

/// The countdown's time with the threads alive over its time before, run by run.
fn slowdown(before: &Work, at: &Work) -> Samples {
    let seconds = |s: &[f64]| Samples::new(Unit::Seconds, s.iter().copied());
    Samples::ratios(&seconds(&at.countdown_s), &seconds(&before.countdown_s))
}

fn many_row(many: &ProbeReport) -> Run {
    let label = format!("{} sleeping threads", group_thousands(many.asked.threads));
    match &many.checkpoint {
        Some(checkpoint) => {
            let mut run = Run::new(label, Duration::from_secs_f64(checkpoint.elapsed_s))
                .figure("threads", Figure::Count(checkpoint.threads))
                .figure("ended", Figure::Text(ended(many)));
            if let Some(rss) = checkpoint.rss_bytes {
                run = run.figure("memory", Figure::Bytes(rss));
            }
            run
        }
        None => Run::new(label, Duration::from_secs_f64(many.wall_s))
            .figure("threads", Figure::Count(many.spawned))
            .figure("ended", Figure::Text(ended(many))),
    }
}

fn limit_row(limit: &ProbeReport) -> Run {
    let mut run = Run::new(
        format!("until a limit, {LIMIT_STACK_KIB} KiB stacks"),
        Duration::from_secs_f64(limit.wall_s),
    )
    .figure("threads", Figure::Count(limit.spawned))
    .figure("ended", Figure::Text(ended(limit)));
    if let Some(peak) = limit.peak_rss_bytes {
        run = run.figure("memory", Figure::Bytes(peak));
    }
    run
}

/// How a child ended, in a table cell.
fn ended(report: &ProbeReport) -> String {
    match (&report.ending, report.stopped.as_ref().map(|s| &s.why)) {
        (_, Some(Why::Bound)) => "stopped short".into(),
        (_, Some(Why::SpawnFailed { .. })) => "spawn error".into(),
        (_, Some(Why::Deadline)) => "deadline".into(),
        (Ending::Signal(6), _) => "SIGABRT".into(),
        (Ending::Signal(signal), _) => format!("signal {signal}"),
        (Ending::Exited(0), _) => "exit 0".into(),
        (Ending::Exited(code), _) => format!("exit {code}"),
    }
}

fn many_finding(many: &ProbeReport) -> String {
    match (
        &many.checkpoint,
        many.before.as_ref().and_then(|b| b.rss_bytes),
    ) {
        (Some(checkpoint), Some(before)) => {
            let rss = checkpoint.rss_bytes.unwrap_or(before);
            format!(
                "{} threads were alive at once after {}; resident memory {}, about {} per \
                 thread: each reserves a 2 MiB stack, but only the pages it touches cost memory.",
                group_thousands(checkpoint.threads),
                format_seconds(checkpoint.elapsed_s),
                format_bytes(rss),
                format_bytes(rss.saturating_sub(before) / checkpoint.threads.max(1)),
            )
        }
        (Some(checkpoint), None) => format!(
            "{} threads were alive at once after {} (memory: not measured on this OS).",
            group_thousands(checkpoint.threads),
            format_seconds(checkpoint.elapsed_s)
        ),
        (None, _) => format!(
            "{} threads did not all start: the child {} after {}.",
            group_thousands(many.asked.threads),
            many.ending,
            group_thousands(many.spawned)
        ),
    }
}

fn slowdown_finding(many: &ProbeReport) -> Option<String> {
    let (before, at) = (&many.before.as_ref()?.work, &many.checkpoint.as_ref()?.work);
    let seconds = |s: &[f64]| Samples::new(Unit::Seconds, s.iter().copied());
    Some(format!(
        "With them all asleep, a countdown took {} (before the first thread: {}), and starting \
         and joining one more thread {} (before: {}). Sleeping threads use no CPU time.",
        seconds(&at.countdown_s),
        seconds(&before.countdown_s),
        seconds(&at.spawn_join_s),
        seconds(&before.spawn_join_s),
    ))
}

fn limit_findings(limit: &ProbeReport) -> Vec<String> {
    let spawned = group_thousands(limit.spawned);
    let how = match (limit.ending, limit.stopped.as_ref().map(|s| &s.why)) {
        (_, Some(Why::Bound)) => format!(
            "it stopped at {spawned} threads, short of {} on purpose, to leave room for other \
             programs",
            limit
                .bound
                .as_ref()
                .map_or("a shared limit".into(), |(_, l)| l.clone())
        ),
        (_, Some(Why::SpawnFailed { error })) => {
            format!("spawn returned an error after {spawned} threads: {error}")
        }
        (_, Some(Why::Deadline)) => format!("the deadline passed after {spawned} threads"),
        (_, Some(Why::Reached)) => {
            format!("all {spawned} threads started: no limit was reached below the bound")
        }
        (ending @ Ending::Signal(_), None) => format!(
            "the child {ending} after {spawned} threads{}",
            limit
                .message
                .as_ref()
                .map_or(String::new(), |m| format!(", saying \"{m}\""))
        ),
        (ending, None) => format!("the child {ending} after {spawned} threads"),
    };
    // Which of spawn's error and the abort happens depends on which mapping the kernel refuses
    // first: the new thread's stack (spawn returns an error) or, inside the new thread, its
    // signal stack (std cannot report that to anyone, so it aborts).
    let mut lines = vec![format!("Until a limit: {how}.")];
    if let Some(tightest) = limits::tightest(&limit.limits) {
        lines.push(format!(
            "The tightest limit the child read is {} ({}), which allows about {} threads.",
            tightest.name,
            tightest.setting,
            tightest.allows.map_or("?".into(), group_thousands)
        ));
    }
    for l in &limit.limits {
        let allows = l.allows.map_or("does not bind".to_string(), |n| {
            format!("allows ≈ {}", group_thousands(n))
        });
        let kind = if l.shared {
            "shared: the probe stops short of it"
        } else {
            "this process's own"
        };
        lines.push(format!("  {}: {}; {allows} ({kind})", l.name, l.setting));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::{Before, Checkpoint, Stopped};

    fn work(countdown_ms: &[f64]) -> Work {
        Work {
            countdown_s: countdown_ms.iter().map(|ms| ms / 1000.0).collect(),
            spawn_join_s: countdown_ms.iter().map(|_| 0.000_04).collect(),
        }
    }

    fn many(countdown_at_ms: &[f64]) -> ProbeReport {
        ProbeReport {
            asked: ProbeArgs::new(MANY),
            refused: None,
            before: Some(Before {
                rss_bytes: Some(2 << 20),
                maps: Some(120),
                work: work(&[10.0, 10.0, 10.0]),
            }),
            bound: None,
            spawned: MANY,
            per_thread: None,
            limits: Vec::new(),
            checkpoint: Some(Checkpoint {
                threads: MANY,
                elapsed_s: 0.43,
                rss_bytes: Some(100 << 20),
                work: work(countdown_at_ms),
            }),
            stopped: Some(Stopped {
                threads: MANY,
                elapsed_s: 0.5,
                rss_bytes: Some(100 << 20),
                why: Why::Reached,
            }),
            ending: Ending::Exited(0),
            message: None,
            unreadable: Vec::new(),
            wall_s: 0.6,
            peak_rss_bytes: Some(101 << 20),
        }
    }

    fn figures(spawn_join_us: &[f64], many: ProbeReport) -> Figures {
        Figures {
            spawn_join: Samples::new(Unit::Seconds, spawn_join_us.iter().map(|us| us / 1e6)),
            batch: 1_000,
            many,
            limit: None,
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn microsecond_starts_and_10_000_unslowed_threads_refute_both_claims() {
        let outcome = report(&figures(&[40.0, 42.0, 41.0], many(&[10.2, 10.1, 9.9])));
        assert_eq!(
            verdicts(&outcome),
            [Verdict::DoesNotHold, Verdict::DoesNotHold]
        );
        assert!(outcome.problems.is_empty());
        let row = outcome
            .find_run("10,000 sleeping threads")
            .expect("the row");
        assert_eq!(row.get("threads").and_then(Figure::as_f64), Some(10_000.0));
        assert!(
            outcome
                .findings
                .iter()
                .any(|f| f.contains("not measured on this OS"))
        );
    }

    #[test]
    fn the_start_time_thresholds() {
        let at = |us: f64| report(&figures(&[us], many(&[10.0]))).claims[0].verdict;
        assert_eq!(at(400.0), Verdict::DoesNotHold);
        assert_eq!(at(700.0), Verdict::Partly);
        assert_eq!(at(3_000.0), Verdict::Holds);
    }

    #[test]
    fn a_slowed_countdown_holds_in_part_and_a_straddling_one_is_unclear() {
        let slowed = report(&figures(&[40.0], many(&[20.0, 21.0, 19.0])));
        assert_eq!(slowed.claims[1].verdict, Verdict::Partly);
        let straddling = report(&figures(&[40.0], many(&[10.0, 30.0, 10.0])));
        assert_eq!(straddling.claims[1].verdict, Verdict::Unclear);
    }

    #[test]
    fn a_crash_before_10_000_holds_the_claim() {
        let mut crashed = many(&[10.0]);
        crashed.checkpoint = None;
        crashed.stopped = None;
        crashed.spawned = 7_000;
        crashed.ending = Ending::Signal(6);
        let outcome = report(&figures(&[40.0], crashed));
        assert_eq!(outcome.claims[1].verdict, Verdict::Holds);
        assert!(!outcome.claims[1].timed, "a crash is not a timing");
    }

    #[test]
    fn a_machine_that_allows_fewer_threads_leaves_the_claim_unclear() {
        let mut bounded = many(&[10.0]);
        bounded.bound = Some((3_000, "cgroup pids.max (/)".into()));
        bounded.checkpoint = None;
        let claim = &report(&figures(&[40.0], bounded)).claims[1];
        assert_eq!(claim.verdict, Verdict::Unclear);
        assert!(
            claim
                .reason
                .as_deref()
                .unwrap_or_default()
                .contains("3,000")
        );
    }

    #[test]
    fn fewer_threads_than_the_claim_is_about_judge_nothing() {
        let mut few = many(&[10.0]);
        few.asked = ProbeArgs::new(200);
        let claim = &report(&figures(&[40.0], few)).claims[1];
        assert_eq!(claim.verdict, Verdict::Unclear);
        assert!(
            claim
                .reason
                .as_deref()
                .unwrap_or_default()
                .contains("10,000")
        );
    }

    #[test]
    fn a_refused_probe_is_a_problem_and_judges_nothing() {
        let mut refused = many(&[10.0]);
        refused.refused = Some("another thread probe is running (pid 7)".into());
        let outcome = report(&figures(&[40.0], refused));
        assert_eq!(outcome.problems.len(), 1);
        assert_eq!(outcome.claims[1].verdict, Verdict::Unclear);
    }

    #[test]
    fn an_aborted_limit_run_is_a_finding_with_the_tightest_limit() {
        let mut limit = many(&[10.0]);
        limit.checkpoint = None;
        limit.stopped = None;
        limit.spawned = 16_367;
        limit.ending = Ending::Signal(6);
        limit.message = Some("failed to set up alternative stack guard page".into());
        limit.limits = vec![limits::Limit {
            name: "vm.max_map_count".into(),
            setting: "65,530 mappings per process".into(),
            allows: Some(16_340),
            shared: false,
        }];
        let mut figures = figures(&[40.0], many(&[10.0]));
        figures.limit = Some(limit);
        let outcome = report(&figures);
        assert!(
            outcome.problems.is_empty(),
            "an abort at the limit is the result"
        );
        let findings = outcome.findings.join("\n");
        assert!(findings.contains("SIGABRT"), "{findings}");
        assert!(findings.contains("vm.max_map_count"), "{findings}");
        assert!(outcome.find_run("until a limit, 64 KiB stacks").is_some());
    }

    #[test]
    fn a_busy_machine_leaves_no_timing_verdict() {
        let outcome =
            report(&figures(&[40.0], many(&[10.0]))).on_busy_machine("load 4.0 on 2 cores");
        assert_eq!(verdicts(&outcome), [Verdict::Unclear, Verdict::Unclear]);
    }
}
