//! Experiment `waiting`: N downloads, one after another and then one thread each.
//!
//! Python twin: `python/waiting.py`. Example files: `fetch_sequential.rs`, `fetch_with_threads.rs`.

use std::time::Duration;

use lesson_kit::{Claim, DelayServer, Experiment, Figure, Run, Trace, Verdict, measure};

use super::{LessonError, Outcome, Settings, faster_or_slower, ratio, seconds};
use crate::fetch::{Client, FetchResult, fetch_all_sequential_traced, fetch_all_threaded_traced};

/// URLs fetched by default, and with `--full` (the article downloads three files).
pub const COUNT: usize = 3;

pub fn run(settings: &Settings) -> Result<Outcome, LessonError> {
    let delay = settings
        .delay
        .unwrap_or(settings.size(Duration::from_millis(300), Duration::from_secs(3)));
    // Long enough for the slowest honest answer; short enough that a dead server is reported.
    let timeout = settings
        .timeout
        .unwrap_or(Duration::from_secs(10).max(delay * 3));
    let client = Client::new(timeout)?;

    // Real URLs need no server; the local one is what makes the figures the same everywhere.
    let server = if settings.urls.is_empty() {
        Some(DelayServer::start()?)
    } else {
        None
    };
    let urls: Vec<String> = match &server {
        Some(server) => {
            let count = settings.count.unwrap_or(COUNT).max(1);
            (0..count).map(|_| server.delay_url(delay)).collect()
        }
        None => settings.urls.clone(),
    };
    let n = urls.len();

    let trace = Trace::new();
    let (one_by_one, sequential) = measure(|| fetch_all_sequential_traced(&client, &urls, &trace));
    let sequential_peak = server.as_ref().map(DelayServer::peak_in_flight);
    if let Some(server) = &server {
        server.reset_counts();
    }
    let (together, threaded) = measure(|| fetch_all_threaded_traced(&client, &urls, &trace));
    let threaded_peak = server.as_ref().map(DelayServer::peak_in_flight);

    let speedup = ratio(sequential.wall.as_secs_f64(), threaded.wall.as_secs_f64());
    let delay_s = delay.as_secs_f64();
    let run = |label: &str, measured, results: &[FetchResult], peak: Option<u64>| {
        let mut run = Run::measured(label, measured)
            .figure("URLs", Figure::Count(results.len() as u64))
            .figure(
                "failed",
                Figure::Count(results.iter().filter(|r| !r.is_ok()).count() as u64),
            );
        if let Some(peak) = peak {
            let wall_s = run.wall_s;
            run = run
                .figure("peak in flight", Figure::Count(peak))
                .figure("× one delay", Figure::Ratio(ratio(wall_s, delay_s)));
        }
        run
    };

    let mut experiment = Experiment::new("waiting", "Waiting: threads overlap their waits")
        .intro(match &server {
            Some(_) => format!(
                "{n} downloads from the lesson's local server, which answers each request after \
                 {}: a slow download that takes the same time on every machine.",
                seconds(delay_s)
            ),
            None => format!("{n} downloads of the URLs given with --url."),
        })
        .intro(
            "First one thread fetches them in turn, like a `for` loop around `requests.get`; then \
             every URL gets its own thread, like `threading.Thread(target=fetch, args=(url,))`.",
        )
        .run(run("sequential", &sequential, &one_by_one, sequential_peak))
        .run(run(
            &format!("{n} threads"),
            &threaded,
            &together,
            threaded_peak,
        ))
        .speedups_against("sequential")
        .trace(trace)
        .finding(format!(
            "One after another: {}. One thread per URL: {}, {} than in turn.",
            seconds(sequential.wall.as_secs_f64()),
            seconds(threaded.wall.as_secs_f64()),
            faster_or_slower(speedup)
        ));
    if let (Some(peak), Some(_)) = (threaded_peak, &server) {
        experiment = experiment.finding(format!(
            "The server had {peak} of the {n} requests in flight at the same moment (and {} \
             during the sequential run): the threads were all waiting at once.",
            sequential_peak.unwrap_or(0)
        ));
    }
    if let (Some(seq_cpu), Some(thr_cpu)) = (sequential.cpu, threaded.cpu) {
        experiment = experiment.finding(format!(
            "CPU time: {} one after another, {} on threads. Waiting costs no CPU: the threads \
             did not work harder, they waited together.",
            seconds(seq_cpu.as_secs_f64()),
            seconds(thr_cpu.as_secs_f64())
        ));
    }
    let mut problems = Vec::new();
    for result in &together {
        if let Err(reason) = &result.outcome {
            experiment = experiment.finding(format!("✗ {}: {reason}", result.url));
            problems.push(format!("{}: {reason}", result.url));
        }
    }
    if server.is_some() {
        experiment = with_claims(
            experiment,
            n,
            delay_s,
            &sequential,
            &threaded,
            threaded_peak,
        );
    }
    Ok(Outcome {
        experiment,
        problems,
    })
}

/// The article's two figures for this example, against ours.
fn with_claims(
    experiment: Experiment,
    n: usize,
    delay_s: f64,
    sequential: &lesson_kit::Measurement,
    threaded: &lesson_kit::Measurement,
    peak: Option<u64>,
) -> Experiment {
    let in_turn = ratio(sequential.wall.as_secs_f64(), delay_s);
    let together = ratio(threaded.wall.as_secs_f64(), delay_s);
    let all_overlapped = peak == Some(n as u64);
    experiment
        .claim(Claim::new(
            "Downloads done one after another take the sum of their waits (3 files of 3 s: about 9 s).",
            format!(
                "{n} fetches of {} took {} in turn: {in_turn:.2}× one delay.",
                seconds(delay_s),
                seconds(sequential.wall.as_secs_f64())
            ),
            if (in_turn - n as f64).abs() <= 0.2 * n as f64 {
                Verdict::Holds
            } else {
                Verdict::Partly
            },
        ))
        .claim(Claim::new(
            "On one thread per download they take about as long as one download, because a \
             waiting thread lets the others run.",
            format!(
                "{n} threads took {} ({together:.2}× one delay); {} requests were in flight at once.",
                seconds(threaded.wall.as_secs_f64()),
                peak.unwrap_or(0)
            ),
            match (all_overlapped, together < 1.5) {
                (true, true) => Verdict::Holds,
                (true, false) | (false, true) => Verdict::Partly,
                (false, false) => Verdict::DoesNotHold,
            },
        ))
}
