//! `cost` beside `python/cost.py`: starting and joining a thread, in turns, then 10,000 sleeping
//! threads in each language (once: they take a few seconds in CPython).

use anyhow::Context as _;
use lesson_kit::report::{format_bytes, format_seconds, group_thousands};
use lesson_kit::{
    Claim, Figure, Outcome, Run, Samples, Source, Timing, Twins, Unit, Verdict, Versus,
};
use serde::{Deserialize, Serialize};

use crate::cost::spawn_join_median;
use crate::experiments::Settings;
use crate::experiments::cost::MANY;
use crate::probe::lock::{ProbeLock, default_path};
use crate::probe::parent::run_probe;
use crate::probe::{ProbeArgs, SMALL};

/// What `python/cost.py` prints.
#[derive(Debug, Deserialize)]
struct Twin {
    spawn_join_median_s: f64,
    started: u64,
    /// Why it stopped starting threads early (`can't start new thread`), if it did.
    error: Option<String>,
    start_all_s: f64,
    countdown_before_s: f64,
    countdown_at_s: f64,
    rss_bytes: Option<u64>,
}

/// One language's 10,000 sleeping threads.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Many {
    pub started: u64,
    /// Why it stopped early: an error, a crash, or a bound that leaves room for other programs.
    pub stopped_early: Option<String>,
    /// Seconds until all of them ran.
    pub start_all_s: f64,
    /// A short countdown before the first thread and with all of them alive.
    pub countdown_before_s: f64,
    pub countdown_at_s: f64,
    pub rss_bytes: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub samples: usize,
    /// How many sleeping threads each language started (`--threads`, 10,000 by default).
    pub threads: u64,
    /// Spawn + join medians, one per round, the two languages in turns.
    pub cpython_spawn_join: Samples,
    pub rust_spawn_join: Samples,
    pub cpython_many: Many,
    pub rust_many: Many,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let samples = settings.size(1_000, 10_000);
    let many = settings.lesson.threads.unwrap_or(MANY);
    let (mut cpython_spawn_join, mut rust_spawn_join) = (Vec::new(), Vec::new());
    let (mut cpython_many, mut rust_many) = (None, None);
    for round in 0..settings.repeat.max(1) {
        // The many threads only in the first round, in both languages.
        let threads = if round == 0 { many } else { 0 };
        let twin = python(twins, samples, threads).context("python/cost.py")?;
        cpython_spawn_join.push(twin.spawn_join_median_s);
        if threads > 0 {
            cpython_many = Some(Many {
                started: twin.started,
                stopped_early: twin.error,
                start_all_s: twin.start_all_s,
                countdown_before_s: twin.countdown_before_s,
                countdown_at_s: twin.countdown_at_s,
                rss_bytes: twin.rss_bytes,
            });
        }
        rust_spawn_join.push(spawn_join_median(samples).as_secs_f64());
        if threads > 0 {
            rust_many = Some(rust(threads)?);
        }
    }
    let (Some(cpython_many), Some(rust_many)) = (cpython_many, rust_many) else {
        anyhow::bail!("the sleeping threads were not measured");
    };
    Ok(Figures {
        python: twins.version.clone(),
        samples,
        threads: many,
        cpython_spawn_join: Samples::new(Unit::Seconds, cpython_spawn_join),
        rust_spawn_join: Samples::new(Unit::Seconds, rust_spawn_join),
        cpython_many,
        rust_many,
    })
}

/// The twin, holding the probe's lock while its threads run: they take process ids too (a
/// few hundred need no lock, as for the probe).
fn python(twins: &Twins, samples: usize, threads: u64) -> anyhow::Result<Twin> {
    let _lock = (threads > SMALL)
        .then(|| ProbeLock::acquire(&default_path()))
        .transpose()?;
    let args = [
        format!("--samples={samples}"),
        format!("--threads={threads}"),
    ];
    Ok(twins.run("cost.py", &args)?)
}

/// The Rust side of the 10,000: the same probe child as the `cost` experiment.
fn rust(threads: u64) -> anyhow::Result<Many> {
    let mut asked = ProbeArgs::new(threads);
    asked.checkpoint = Some(threads);
    asked.repeat = 1;
    let report = run_probe(&asked).context("the thread probe")?;
    if let Some(refused) = report.refused {
        anyhow::bail!(refused);
    }
    let stopped_early = match (&report.checkpoint, &report.bound) {
        (Some(_), _) => None,
        (None, Some((n, limit))) => Some(format!(
            "stopped at {} to leave room for other programs ({limit})",
            group_thousands(*n)
        )),
        (None, None) => Some(format!("the child {}", report.ending)),
    };
    let first = |s: &[f64]| s.first().copied().unwrap_or(0.0);
    let before = report.before.as_ref().map(|b| first(&b.work.countdown_s));
    let checkpoint = report.checkpoint.as_ref();
    Ok(Many {
        started: report.spawned,
        stopped_early,
        start_all_s: checkpoint.map_or(report.wall_s, |c| c.elapsed_s),
        countdown_before_s: before.unwrap_or(0.0),
        countdown_at_s: checkpoint.map_or(0.0, |c| first(&c.work.countdown_s)),
        rss_bytes: checkpoint.and_then(|c| c.rss_bytes),
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let languages = [
        ("CPython", &figures.cpython_many),
        ("Rust", &figures.rust_many),
    ];
    let outcome = Outcome::new("compare-cost", "What a thread costs: CPython beside Rust")
        .intro(format!(
            "Start and join one thread ({} times; the median), in turns; then, once, {} threads \
             that sleep until released, with a short countdown timed before and with them \
             alive. {} runs python/cost.py.",
            group_thousands(figures.samples as u64),
            group_thousands(figures.threads),
            figures.python
        ))
        .run(spawn_join_row(
            "CPython: spawn + join",
            &figures.cpython_spawn_join,
        ))
        .run(spawn_join_row(
            "Rust: spawn + join",
            &figures.rust_spawn_join,
        ))
        .versus(Versus::new(
            "cost",
            "start and join one thread",
            &figures.cpython_spawn_join,
            &figures.rust_spawn_join,
        ));
    languages
        .into_iter()
        .fold(outcome, |outcome, (language, many)| {
            outcome
                .run(many_row(language, figures.threads, many))
                .finding(many_finding(language, many))
        })
        .claim(spawn_join_claim(figures))
        .claim(many_claim(
            &figures.python,
            figures.threads,
            &figures.cpython_many,
        ))
}

fn spawn_join_row(label: &str, samples: &Samples) -> Run {
    let timing = Timing {
        wall: samples.clone(),
        cpu: None,
    };
    Run::timed(label, &timing)
}

fn many_row(language: &str, threads: u64, many: &Many) -> Run {
    let run = Run::new(
        format!("{language}: {} sleeping threads", group_thousands(threads)),
        std::time::Duration::from_secs_f64(many.start_all_s.max(0.0)),
    )
    .figure("threads", Figure::Count(many.started));
    match many.rss_bytes {
        Some(rss) => run.figure("memory", Figure::Bytes(rss)),
        None => run,
    }
}

/// "A few milliseconds", on CPython: under 0.5 ms does not hold, under 1 ms holds in part.
fn spawn_join_claim(figures: &Figures) -> Claim {
    Claim::new(
        "Starting a thread takes a few milliseconds.",
        Source::ARTICLE,
    )
    .measured(format!(
        "{}: start and join took {}.",
        figures.python, figures.cpython_spawn_join
    ))
    .judge(&figures.cpython_spawn_join, |s| match s {
        s if s < 0.000_5 => Verdict::DoesNotHold,
        s if s < 0.001 => Verdict::Partly,
        _ => Verdict::Holds,
    })
}

fn many_finding(language: &str, many: &Many) -> String {
    match &many.stopped_early {
        Some(why) => format!(
            "{language}: only {} threads started ({why}).",
            group_thousands(many.started)
        ),
        None => format!(
            "{language}: {} threads running after {} ({} per thread), {}; a countdown took {} \
             with them alive, {} before.",
            group_thousands(many.started),
            format_seconds(many.start_all_s),
            format_seconds(many.start_all_s / many.started.max(1) as f64),
            many.rss_bytes
                .map_or("memory not measured".into(), |b| format!(
                    "{} resident",
                    format_bytes(b)
                )),
            format_seconds(many.countdown_at_s),
            format_seconds(many.countdown_before_s),
        ),
    }
}

/// "10,000 threads crash or crawl", judged on CPython's 10,000: measured once, so a count (did
/// they all start?) and one ratio, the countdown's.
fn many_claim(python: &str, threads: u64, many: &Many) -> Claim {
    let claim = Claim::new(
        "Creating 10,000 threads crashes the program or slows it down badly.",
        Source::ARTICLE,
    );
    if threads != MANY {
        return claim
            .measured(format!(
                "This run asked for {} threads.",
                group_thousands(threads)
            ))
            .unclear(format!(
                "the claim is about {}; run `compare` without --threads to judge it",
                group_thousands(MANY)
            ));
    }
    if let Some(why) = &many.stopped_early {
        return claim
            .measured(format!(
                "{python} started {} threads: {why}.",
                group_thousands(many.started)
            ))
            .verdict(Verdict::Holds);
    }
    let slowdown = Samples::new(
        Unit::Ratio,
        [many.countdown_at_s / many.countdown_before_s.max(1e-9)],
    );
    claim
        .measured(format!(
            "{python} started {} threads in {}; a countdown took {slowdown} as long with them \
             alive.",
            group_thousands(many.started),
            format_seconds(many.start_all_s)
        ))
        .judge(&slowdown, |x| {
            if x < 1.5 {
                Verdict::DoesNotHold
            } else {
                Verdict::Partly
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn many(countdown_at_s: f64, stopped_early: Option<&str>) -> Many {
        Many {
            started: if stopped_early.is_some() { 4_000 } else { MANY },
            stopped_early: stopped_early.map(String::from),
            start_all_s: 4.3,
            countdown_before_s: 0.0046,
            countdown_at_s,
            rss_bytes: Some(180 << 20),
        }
    }

    fn figures(spawn_join_us: &[f64], cpython_many: Many) -> Figures {
        let us = |v: &[f64]| Samples::new(Unit::Seconds, v.iter().map(|x| x / 1e6));
        Figures {
            python: "Python 3.11.7".into(),
            samples: 1_000,
            threads: MANY,
            cpython_spawn_join: us(spawn_join_us),
            rust_spawn_join: us(&[30.0, 31.0]),
            cpython_many,
            rust_many: many(0.0046, None),
        }
    }

    #[test]
    fn microseconds_and_an_unslowed_countdown_refute_both_claims() {
        let outcome = report(&figures(&[40.0, 41.0], many(0.0045, None)));
        let verdicts: Vec<_> = outcome.claims.iter().map(|c| c.verdict).collect();
        assert_eq!(verdicts, [Verdict::DoesNotHold, Verdict::DoesNotHold]);
        let versus = &outcome.versus[0];
        assert_eq!(versus.experiment, "cost");
        assert!(
            (versus.ratio().median() - 1.32).abs() < 0.01,
            "{}",
            versus.ratio()
        );
        assert!(
            outcome
                .find_run("CPython: 10,000 sleeping threads")
                .is_some()
        );
    }

    #[test]
    fn threads_that_could_not_start_hold_the_claim_on_any_machine() {
        let outcome = report(&figures(
            &[40.0],
            many(0.0045, Some("can't start new thread")),
        ))
        .on_busy_machine("load 5.0");
        assert_eq!(outcome.claims[1].verdict, Verdict::Holds);
        assert_eq!(outcome.claims[0].verdict, Verdict::Unclear);
    }

    #[test]
    fn a_slowed_countdown_holds_in_part_and_straddling_starts_are_unclear() {
        assert_eq!(
            report(&figures(&[40.0], many(0.01, None))).claims[1].verdict,
            Verdict::Partly
        );
        assert_eq!(
            report(&figures(&[400.0, 2_000.0], many(0.0045, None))).claims[0].verdict,
            Verdict::Unclear
        );
    }

    #[test]
    fn cpython_start_times_from_half_a_millisecond_hold_in_part_and_from_one_hold() {
        let at = |us: f64| spawn_join_claim(&figures(&[us], many(0.0046, None))).verdict;
        assert_eq!(at(499.0), Verdict::DoesNotHold);
        assert_eq!(at(500.0), Verdict::Partly);
        assert_eq!(at(999.0), Verdict::Partly);
        assert_eq!(at(1000.0), Verdict::Holds);
    }
}
