//! Experiment `gather`: the article's three fetches on one thread, then N real downloads, then the
//! first failure handled Python's two ways.
//!
//! Python twin: `python/gather.py`. Examples: `01_gather.rs`, `02_gather_downloads.rs`,
//! `03_task_group.rs`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lesson_kit::report::format_seconds;
use lesson_kit::{
    Claim, DelayServer, Figure, Outcome, Run, Samples, Source, Timing, Trace, Unit, Verdict,
    alternate, stopwatch,
};
use serde::{Deserialize, Serialize};

use super::{LessonError, Settings};
use crate::fetch::{client, fetch, pretend_fetch};
use crate::{gather, gather_return_exceptions, task_group};

/// The article's three sites.
pub const SITES: [&str; 3] = ["a.com", "b.com", "c.com"];

/// Where this lesson's claims come from, besides the article.
pub const GATHER_ISSUE: Source = Source::link(
    "cpython#75633",
    "https://github.com/python/cpython/issues/75633",
);
pub const TASK_GROUP_DOCS: Source = Source::link(
    "asyncio docs: Task Groups",
    "https://docs.python.org/3/library/asyncio-task.html#task-groups",
);

/// How the first failure among N downloads was handled, one way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FirstFailure {
    /// `gather`, `gather(return_exceptions=True)`, `TaskGroup`.
    pub way: String,
    /// Downloads started beside the failing one.
    pub siblings: usize,
    /// Siblings finished by the time the call returned.
    pub finished_before_return: usize,
    /// Siblings that finished after it returned: they ran on with nobody waiting for them.
    pub finished_after_return: usize,
    /// What the caller got back, in words.
    pub returned: String,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub delay_s: f64,
    /// The three fetches awaited one after another, then gathered.
    pub in_turn: Timing,
    pub gathered: Timing,
    /// How many different threads the gathered tasks ran on, in each run.
    pub threads_seen: Vec<usize>,
    pub downloads: usize,
    pub downloaded: Timing,
    /// The most requests the server had in flight at once, in each download run.
    pub peaks: Vec<u64>,
    /// Downloads that failed (none should: the failing URL of `first_failure` is on purpose).
    pub failures: Vec<String>,
    pub first_failure: Vec<FirstFailure>,
    pub trace: Trace,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let flags = &settings.lesson;
    let delay = flags
        .delay_ms
        .map(Duration::from_millis)
        .unwrap_or(settings.size(Duration::from_millis(100), Duration::from_secs(2)));
    let downloads = flags.count.map_or(settings.size(10, 100), |n| n as usize);
    let runtime = crate::runtime::current_thread().map_err(LessonError::Runtime)?;
    let server = DelayServer::start()?;
    lesson_kit::os::ensure_open_files(2 * downloads as u64 + 64)?;
    let client = client(Duration::from_secs(10).max(delay * 3))?;

    let traced = |run: &dyn Fn(Trace) -> usize| {
        let trace = Trace::new();
        let (threads, took) = stopwatch(|| run(trace.clone()));
        (threads, took, trace)
    };
    let [in_turn, gathered] = alternate(
        settings.repeat,
        [
            &mut || traced(&|trace| runtime.block_on(fetch_in_turn(delay, trace))),
            &mut || traced(&|trace| runtime.block_on(fetch_gathered(delay, trace))),
        ],
    );
    let urls: Vec<String> = (0..downloads).map(|_| server.delay_url(delay)).collect();
    let [downloaded] = alternate(
        settings.repeat,
        [&mut || {
            server.reset_counts();
            let (results, took) = stopwatch(|| runtime.block_on(download_all(&client, &urls)));
            (results, took, server.peak_in_flight())
        }],
    );
    let failing = server.url(&format!("/status/500?delay_ms={}", (delay / 4).as_millis()));
    let first_failure = [Way::Gather, Way::ReturnExceptions, Way::TaskGroup]
        .map(|way| runtime.block_on(first_failure(way, &client, &urls, &failing, delay)))
        .to_vec();

    let failures: BTreeSet<String> = downloaded
        .iter()
        .flat_map(|(results, _, _)| results.iter().filter_map(|r| r.clone().err()))
        .collect();
    Ok(Figures {
        delay_s: delay.as_secs_f64(),
        in_turn: Timing::of(&in_turn.iter().map(|(_, m, _)| *m).collect::<Vec<_>>()),
        gathered: Timing::of(&gathered.iter().map(|(_, m, _)| *m).collect::<Vec<_>>()),
        threads_seen: gathered.iter().map(|(threads, _, _)| *threads).collect(),
        downloads,
        downloaded: Timing::of(&downloaded.iter().map(|(_, m, _)| *m).collect::<Vec<_>>()),
        peaks: downloaded.iter().map(|(_, _, peak)| *peak).collect(),
        failures: failures.into_iter().collect(),
        first_failure,
        trace: last_of_each(&in_turn, &gathered),
    })
}

/// One timeline: the last run in turn, then the last gathered run right after it.
fn last_of_each(in_turn: &[Traced], gathered: &[Traced]) -> Trace {
    let trace = Trace::new();
    let mut offset_s = 0.0;
    for (_, took, run) in [in_turn.last(), gathered.last()].into_iter().flatten() {
        trace.absorb(&run.snapshot(), offset_s);
        offset_s += took.wall.as_secs_f64();
    }
    trace
}

/// One run of the three fetches: threads seen, its time, its timeline.
type Traced = (usize, lesson_kit::Measurement, Trace);

/// `for site in sites: await fetch(site)`: each waits for the one before. Returns 1 thread.
async fn fetch_in_turn(delay: Duration, trace: Trace) -> usize {
    for site in SITES {
        pretend_fetch(site, delay, trace.clone()).await;
    }
    1
}

/// `await asyncio.gather(fetch("a.com"), fetch("b.com"), fetch("c.com"))`, on this runtime's one
/// thread. Returns how many different threads the tasks ran on.
async fn fetch_gathered(delay: Duration, trace: Trace) -> usize {
    let tasks = SITES.map(|site| {
        let trace = trace.clone();
        async move {
            let thread = std::thread::current().id();
            pretend_fetch(site, delay, trace).await;
            Ok::<_, std::convert::Infallible>(thread)
        }
    });
    let threads = gather(tasks).await.unwrap_or_default();
    threads
        .into_iter()
        .collect::<std::collections::HashSet<_>>()
        .len()
}

/// Every URL gathered; each result is the body's length or the failure in words.
async fn download_all(client: &reqwest::Client, urls: &[String]) -> Vec<Result<usize, String>> {
    let tasks = urls.iter().map(|url| {
        let (client, url) = (client.clone(), url.clone());
        async move { fetch(&client, &url).await }
    });
    gather_return_exceptions(tasks)
        .await
        .into_iter()
        .map(|r| r.map_err(|e| e.to_string()))
        .collect()
}

#[derive(Clone, Copy)]
enum Way {
    Gather,
    ReturnExceptions,
    TaskGroup,
}

/// Starts every URL of `urls` and one failing URL, the `way` given; then waits two more delays
/// (every sibling would be done by then) and counts who finished before and after the call
/// returned.
async fn first_failure(
    way: Way,
    client: &reqwest::Client,
    urls: &[String],
    failing: &str,
    delay: Duration,
) -> FirstFailure {
    let finished = Arc::new(AtomicUsize::new(0));
    let tasks = urls
        .iter()
        .map(|url| (url.clone(), true))
        .chain([(failing.to_string(), false)])
        .map(|(url, sibling)| {
            let (client, finished) = (client.clone(), Arc::clone(&finished));
            async move {
                let body = fetch(&client, &url).await?;
                if sibling {
                    finished.fetch_add(1, Ordering::SeqCst);
                }
                Ok::<_, crate::fetch::FetchError>(body)
            }
        });
    let (name, returned) = match way {
        Way::Gather => ("gather", describe(gather(tasks).await)),
        Way::ReturnExceptions => {
            let results = gather_return_exceptions(tasks).await;
            let failed = results.iter().filter(|r| r.is_err()).count();
            (
                "gather(return_exceptions=True)",
                format!("{} results, {failed} of them an error", results.len()),
            )
        }
        Way::TaskGroup => ("TaskGroup (JoinSet)", describe(task_group(tasks).await)),
    };
    let before = finished.load(Ordering::SeqCst);
    tokio::time::sleep(delay * 2).await;
    FirstFailure {
        way: name.to_string(),
        siblings: urls.len(),
        finished_before_return: before,
        finished_after_return: finished.load(Ordering::SeqCst) - before,
        returned,
    }
}

fn describe<T>(result: Result<Vec<T>, crate::TaskError<crate::fetch::FetchError>>) -> String {
    match result {
        Ok(values) => format!("{} results", values.len()),
        Err(error) => format!("the error of task {}", error.index()),
    }
}

pub fn report(figures: &Figures) -> Outcome {
    let delay = format_seconds(figures.delay_s);
    let mut outcome = Outcome::new("gather", "gather: one thread, many waits")
        .intro(format!(
            "The article's three fetches, each a sleep of {delay}, on a current-thread runtime \
             (asyncio's one-thread loop): awaited one after another, then gathered."
        ))
        .intro(format!(
            "Then {} real downloads of {delay} each from the local server, gathered; then the \
             same downloads beside one that fails, handled by `gather`, by \
             `gather(return_exceptions=True)` and by a `TaskGroup` (a `JoinSet`).",
            figures.downloads
        ))
        .run(Run::timed("3 fetches, awaited in turn", &figures.in_turn))
        .run(Run::timed("3 fetches, gathered", &figures.gathered))
        .run(
            Run::timed(
                format!("{} downloads, gathered", figures.downloads),
                &figures.downloaded,
            )
            .figure("peak in flight", Figure::Spread(counts(&figures.peaks))),
        )
        .trace(figures.trace.clone());
    for failure in &figures.failures {
        outcome = outcome.problem(format!("a download failed: {failure}"));
    }
    for way in &figures.first_failure {
        outcome = outcome.finding(format!(
            "{}: returned {}; {} of {} siblings had finished by then, {} more finished after it \
             returned.",
            way.way,
            way.returned,
            way.finished_before_return,
            way.siblings,
            way.finished_after_return
        ));
    }
    outcome
        .claim(concurrent_claim(figures))
        .claim(one_thread_claim(figures))
        .claim(gather_runs_on_claim(figures))
        .claim(task_group_claim(figures))
}

fn counts(values: &[u64]) -> Samples {
    Samples::new(Unit::Count, values.iter().map(|&v| v as f64))
}

fn concurrent_claim(figures: &Figures) -> Claim {
    let waits = figures
        .gathered
        .wall
        .map(Unit::Ratio, |s| s / figures.delay_s);
    Claim::new(
        "`gather` runs the three coroutines at once: together they take one wait, not three.",
        Source::ARTICLE,
    )
    .measured(format!(
        "gathered: {} ({waits} one wait); in turn: {}.",
        format_seconds(figures.gathered.wall_s()),
        format_seconds(figures.in_turn.wall_s())
    ))
    .judge(&waits, |x| {
        if x < 1.5 {
            Verdict::Holds
        } else {
            Verdict::DoesNotHold
        }
    })
}

fn one_thread_claim(figures: &Figures) -> Claim {
    let most = figures.threads_seen.iter().copied().max().unwrap_or(0);
    Claim::new(
        "There is only one thread: the event loop runs every coroutine.",
        Source::ARTICLE,
    )
    .measured(format!(
        "the gathered tasks ran on {most} thread(s) in the worst of {} runs.",
        figures.threads_seen.len()
    ))
    .verdict(if most == 1 {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    })
}

fn way<'a>(figures: &'a Figures, name: &str) -> Option<&'a FirstFailure> {
    figures
        .first_failure
        .iter()
        .find(|w| w.way.starts_with(name))
}

fn gather_runs_on_claim(figures: &Figures) -> Claim {
    let claim = Claim::new(
        "`gather` passes on the first error at once and does not cancel the other tasks: they run \
         on unobserved.",
        GATHER_ISSUE,
    );
    match way(figures, "gather") {
        Some(g) => claim
            .measured(format!(
                "{} of {} siblings finished after `gather` had returned the error.",
                g.finished_after_return, g.siblings
            ))
            .verdict(match g.finished_after_return {
                0 => Verdict::DoesNotHold,
                n if n == g.siblings => Verdict::Holds,
                _ => Verdict::Partly,
            }),
        None => claim.unclear("gather's first failure was not measured"),
    }
}

fn task_group_claim(figures: &Figures) -> Claim {
    let claim = Claim::new(
        "A task group cancels the remaining tasks when one fails.",
        TASK_GROUP_DOCS,
    );
    match way(figures, "TaskGroup") {
        Some(g) => claim
            .measured(format!(
                "{} of {} siblings finished after the JoinSet had returned the error.",
                g.finished_after_return, g.siblings
            ))
            .verdict(if g.finished_after_return == 0 {
                Verdict::Holds
            } else {
                Verdict::DoesNotHold
            }),
        None => claim.unclear("the task group's first failure was not measured"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(ms: &[u64]) -> Timing {
        Timing::wall_seconds(ms.iter().map(|&m| m as f64 / 1e3))
    }

    fn failure(way: &str, after: usize) -> FirstFailure {
        FirstFailure {
            way: way.into(),
            siblings: 10,
            finished_before_return: 0,
            finished_after_return: after,
            returned: "the error of task 10".into(),
        }
    }

    fn figures(
        gathered_ms: &[u64],
        threads: usize,
        gather_after: usize,
        group_after: usize,
    ) -> Figures {
        Figures {
            delay_s: 0.2,
            in_turn: timing(&[601, 603, 602]),
            gathered: timing(gathered_ms),
            threads_seen: vec![threads; gathered_ms.len()],
            downloads: 10,
            downloaded: timing(&[210, 212, 215]),
            peaks: vec![10, 10, 10],
            failures: Vec::new(),
            first_failure: vec![
                failure("gather", gather_after),
                failure("gather(return_exceptions=True)", 0),
                failure("TaskGroup (JoinSet)", group_after),
            ],
            trace: Trace::virtual_time(),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn one_thread_one_wait_and_python_semantics_hold() {
        let outcome = report(&figures(&[201, 202, 203], 1, 10, 0));
        assert_eq!(verdicts(&outcome), [Verdict::Holds; 4]);
        assert!(outcome.problems.is_empty());
    }

    #[test]
    fn a_group_that_let_siblings_finish_does_not_hold() {
        let outcome = report(&figures(&[201, 202, 203], 1, 10, 3));
        assert_eq!(outcome.claims[3].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn a_gather_that_cancelled_is_reported_as_such() {
        let outcome = report(&figures(&[201, 202, 203], 1, 0, 0));
        assert_eq!(outcome.claims[2].verdict, Verdict::DoesNotHold);
        let outcome = report(&figures(&[201, 202, 203], 1, 4, 0));
        assert_eq!(outcome.claims[2].verdict, Verdict::Partly);
    }

    #[test]
    fn several_threads_or_three_waits_do_not_hold() {
        let outcome = report(&figures(&[601, 602, 603], 2, 10, 0));
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
        assert_eq!(outcome.claims[1].verdict, Verdict::DoesNotHold);
    }

    #[test]
    fn straddling_samples_are_unclear_and_a_busy_machine_leaves_counts_alone() {
        let outcome = report(&figures(&[201, 400], 1, 10, 0));
        assert_eq!(outcome.claims[0].verdict, Verdict::Unclear);
        let busy = report(&figures(&[201, 202], 1, 10, 0)).on_busy_machine("load 4 on 2 cores");
        assert_eq!(
            verdicts(&busy),
            [
                Verdict::Unclear,
                Verdict::Holds,
                Verdict::Holds,
                Verdict::Holds
            ]
        );
    }

    #[test]
    fn a_failed_download_is_a_problem() {
        let mut figures = figures(&[201], 1, 10, 0);
        figures.failures = vec!["connection refused".into()];
        assert_eq!(report(&figures).problems.len(), 1);
    }
}
