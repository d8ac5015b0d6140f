//! Experiment `cost`: what one thread costs, 10,000 sleeping threads, and where the count stops.
//!
//! Python twin: `python/cost.py`. Example files: `thread_cost.rs`, `many_threads.rs`.

use std::time::Duration;

use lesson_kit::report::{format_bytes, group_thousands};
use lesson_kit::{Claim, Experiment, Figure, Run, Verdict};

use super::{LessonError, Outcome, Settings, seconds};
use crate::cost::{self, Ending, ProbeReport, ProbeRequest};
use crate::limits;

/// The article's "10,000 threads".
pub const MANY: u64 = 10_000;
/// The probe's stack size: small, to show that the ceiling is not about stack memory.
pub const PROBE_STACK_KIB: u64 = 64;

pub fn run(settings: &Settings) -> Result<Outcome, LessonError> {
    let samples = settings.size(1_000, 10_000);
    let spawn_join = cost::spawn_join_median(samples);

    let probe = |request: ProbeRequest| {
        cost::run_probe(&settings.exe, &request).map_err(|source| LessonError::Probe {
            exe: settings.exe.display().to_string(),
            source,
        })
    };
    // The bound: enough to pass the limits of a default Linux, few enough that a machine with
    // no such limit stops at a size it can afford (the child also keeps to a quarter of the free
    // memory, whatever it is asked).
    let cap = settings.size(40_000, 100_000);
    // Rust's default stacks, the article's 10,000 on the way, and a stop short of the limit.
    let short_of_it = probe(ProbeRequest {
        threads: cap,
        stack_kib: None,
        stop_before_limit: true,
        checkpoint: Some(MANY),
        deadline: Duration::from_secs(60),
    })?;
    // Small stacks, straight into the limit: if memory were the limit, this would go further.
    let into_the_limit = probe(ProbeRequest {
        threads: cap,
        stack_kib: Some(PROBE_STACK_KIB),
        stop_before_limit: false,
        checkpoint: None,
        deadline: Duration::from_secs(60),
    })?;

    let limits = into_the_limit
        .per_thread
        .map(limits::read)
        .unwrap_or_default();
    let tightest = limits::tightest(&limits).cloned();

    let mut experiment = Experiment::new("cost", "What a thread costs, and how many fit")
        .intro(format!(
            "First: start a thread that does nothing and join it, {} times (the median is shown).",
            group_thousands(samples as u64)
        ))
        .intro(format!(
            "Then, in a child process, threads that sleep until the process ends: {} of them \
             (the article's example), then on towards the system's limit, stopping short of it. \
             Last, another child with {PROBE_STACK_KIB} KiB stacks runs straight into the limit \
             (at most {} threads).",
            group_thousands(MANY),
            group_thousands(cap)
        ))
        .intro(
            "The memory column is resident memory: at that moment for the 10,000, at the peak \
             for a whole child.",
        )
        .run(Run::new(
            format!(
                "spawn + join (median of {})",
                group_thousands(samples as u64)
            ),
            spawn_join,
        ))
        .run(checkpoint_row(&short_of_it))
        .run(probe_row("stopping short, 2 MiB stacks", &short_of_it))
        .run(probe_row(
            &format!("into the limit, {PROBE_STACK_KIB} KiB stacks"),
            &into_the_limit,
        ))
        .finding(format!(
            "Starting and joining one thread: {} (median).",
            seconds(spawn_join.as_secs_f64())
        ))
        .finding(many_finding(&short_of_it));
    experiment = experiment.finding(limit_finding(&into_the_limit, tightest.as_ref()));
    for limit in &limits {
        let allows = limit.allows.map_or("does not bind".to_string(), |n| {
            format!("allows ≈ {}", group_thousands(n))
        });
        experiment = experiment.finding(format!("  {}: {}; {allows}", limit.name, limit.setting));
    }
    experiment = experiment.finding(format!(
        "Stopping short: the child read the limits at its 1,000th thread, stopped at {} and {}.",
        group_thousands(short_of_it.started),
        short_of_it.ending
    ));

    let mut problems = Vec::new();
    if short_of_it.ending != Ending::Exited(0) {
        problems.push(format!(
            "the probe that should stop short of the limit {} after {} threads",
            short_of_it.ending,
            group_thousands(short_of_it.started)
        ));
    }
    let experiment = experiment
        .claim(Claim::new(
            "Starting a thread takes a few milliseconds.",
            format!(
                "Start and join took {} (median of {}).",
                seconds(spawn_join.as_secs_f64()),
                group_thousands(samples as u64)
            ),
            if spawn_join < Duration::from_millis(1) {
                Verdict::DoesNotHold
            } else {
                Verdict::Holds
            },
        ))
        .claim(Claim::new(
            "Creating 10,000 threads crashes the program or slows it down badly.",
            format!(
                "{}; the limit came at {} threads: {}.",
                short_of_it.checkpoint.map_or(
                    format!("{} threads did not all start", group_thousands(MANY)),
                    |(n, s, rss)| format!(
                        "{} threads started in {} using {}",
                        group_thousands(n),
                        seconds(s),
                        format_bytes(rss)
                    )
                ),
                group_thousands(into_the_limit.started),
                match (into_the_limit.ending, &into_the_limit.spawn_error) {
                    (Ending::Signal(_), _) => format!("the process {}", into_the_limit.ending),
                    (_, Some(_)) => "spawn returned an error".to_string(),
                    _ => "none was reached".to_string(),
                }
            ),
            match (short_of_it.checkpoint, into_the_limit.ending) {
                (None, _) => Verdict::Holds,
                (Some(_), Ending::Exited(0)) => Verdict::DoesNotHold,
                (Some(_), _) => Verdict::Partly,
            },
        ));
    Ok(Outcome {
        experiment,
        problems,
    })
}

/// A table row for one child process.
fn probe_row(label: &str, report: &ProbeReport) -> Run {
    let ended = match report.ending {
        Ending::Exited(code) => format!("exit {code}"),
        Ending::Signal(libc::SIGABRT) => "SIGABRT".to_string(),
        Ending::Signal(signal) => format!("signal {signal}"),
    };
    let mut run = Run::measured(label, &report.child.measurement())
        .figure("threads", Figure::Count(report.started))
        .figure("ended", Figure::Text(ended));
    if let Some(peak) = report.child.peak_rss_bytes {
        run = run.figure("memory", Figure::Bytes(peak));
    }
    run
}

/// The article's 10,000 threads, read at the checkpoint of the stopping-short child.
fn checkpoint_row(report: &ProbeReport) -> Run {
    let label = format!("{} sleeping threads", group_thousands(MANY));
    match report.checkpoint {
        Some((n, s, rss)) => Run::new(label, Duration::from_secs_f64(s))
            .figure("threads", Figure::Count(n))
            .figure("ended", Figure::Text("alive".into()))
            .figure("memory", Figure::Bytes(rss)),
        None => Run::new(label, report.child.wall)
            .figure("threads", Figure::Count(report.started))
            .figure("ended", Figure::Text(format!("{}", report.ending))),
    }
}

fn many_finding(report: &ProbeReport) -> String {
    match (report.checkpoint, report.rss_before) {
        (Some((n, s, rss)), Some(before)) => format!(
            "{} threads were alive at once after {}; resident memory {}, about {} per thread: \
             each reserves a 2 MiB stack, but only the pages it touches cost memory.",
            group_thousands(n),
            seconds(s),
            format_bytes(rss),
            format_bytes(rss.saturating_sub(before) / n.max(1)),
        ),
        _ => format!(
            "{} threads did not all start: the child {} after {}.",
            group_thousands(MANY),
            report.ending,
            group_thousands(report.started)
        ),
    }
}

fn limit_finding(report: &ProbeReport, tightest: Option<&limits::Limit>) -> String {
    let how = match (report.ending, &report.spawn_error) {
        (Ending::Signal(_), _) => format!(
            "the child {} after {} threads{}",
            report.ending,
            group_thousands(report.started),
            report
                .reason
                .as_ref()
                .map_or(String::new(), |r| format!(", saying \"{r}\""))
        ),
        (_, Some(error)) => format!(
            "spawn returned an error after {} threads: {error}",
            group_thousands(report.started)
        ),
        (ending, None) => format!(
            "all {} threads started and the child {ending}: no limit was reached below the bound",
            group_thousands(report.started)
        ),
    };
    // Which of the two happens depends on which mapping the kernel refuses first: the new
    // thread's stack (spawn returns an error) or, inside the new thread, its signal stack (std
    // cannot report that to anyone, so it aborts).
    let why = match tightest {
        Some(limit) => format!(
            " The tightest limit read from the system is {} ({}), which allows about {} threads.",
            limit.name,
            limit.setting,
            limit.allows.map_or("?".into(), group_thousands)
        ),
        None => String::new(),
    };
    format!("Into the limit: {how}.{why}")
}
