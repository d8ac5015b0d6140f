//! Experiment `servers`: a thread-per-connection server against an async one, under the same load
//! of N clients on 127.0.0.1, each keeping one connection and sending a few requests in turn to a
//! handler that waits 50 ms. Requests per second, latency, and the threads and memory each server
//! needed. Each server is a child process of its own (see [`crate::servers`]).
//!
//! Python twin: `python/servers.py` (`ThreadingHTTPServer` against `asyncio.start_server`).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use lesson_kit::report::{format_bytes, format_seconds, group_thousands};
use lesson_kit::{Claim, Figure, Outcome, Run, Samples, Source, Unit, Verdict};
use serde::Serialize;

use super::{LessonError, Settings};
use crate::servers::{COMMAND, ClientLog, Kind, Listening, ServerStats, client};

/// Requests each client sends, one after another on its connection.
pub const REQUESTS_PER_CLIENT: u32 = 3;
/// How long the handler waits before it answers.
pub const HANDLER_DELAY: Duration = Duration::from_millis(50);
/// A request not answered by then counts as failed: every client loop is bounded in time too.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// One server under the load.
#[derive(Clone, Debug, Serialize)]
pub struct Served {
    pub kind: Kind,
    pub clients: u64,
    pub answered: u64,
    pub failed: u64,
    pub first_failure: Option<String>,
    pub wall_s: f64,
    pub p50_s: f64,
    pub p99_s: f64,
    pub stats: ServerStats,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub delay_s: f64,
    pub servers: Vec<Served>,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let clients = settings
        .lesson
        .clients
        .unwrap_or(settings.size(1_000, 10_000));
    // Our clients' sockets here, the server's in its child: each side asks for its own.
    lesson_kit::os::ensure_open_files(clients + 64)?;
    let servers = [Kind::Threads, Kind::Async]
        .into_iter()
        .map(|kind| load(kind, clients))
        .collect::<Result<_, _>>()?;
    Ok(Figures {
        delay_s: HANDLER_DELAY.as_secs_f64(),
        servers,
    })
}

/// Ends the server child whatever happens: a parent that returns early must not leave it behind.
struct ServerChild(Child);

impl Drop for ServerChild {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn load(kind: Kind, clients: u64) -> Result<Served, LessonError> {
    let mut command = lesson_kit::child_command(COMMAND).map_err(LessonError::Child)?;
    command
        .args([
            "--kind",
            if kind == Kind::Threads {
                "threads"
            } else {
                "async"
            },
        ])
        .args(["--delay-ms", &HANDLER_DELAY.as_millis().to_string()])
        .args(["--open-files", &(clients + 64).to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = ServerChild(command.spawn().map_err(LessonError::Child)?);
    let mut lines =
        BufReader::new(child.0.stdout.take().ok_or_else(|| no_output("stdout"))?).lines();
    let listening: Listening = next_json(&mut lines)?;

    let runtime = crate::runtime::multi_thread(2).map_err(LessonError::Runtime)?;
    let started = Instant::now();
    let logs: Vec<ClientLog> = runtime.block_on(async {
        let tasks: Vec<_> = (0..clients)
            .map(|_| tokio::spawn(client(listening.port, REQUESTS_PER_CLIENT, REQUEST_TIMEOUT)))
            .collect();
        let mut logs = Vec::with_capacity(tasks.len());
        for task in tasks {
            logs.push(task.await.unwrap_or_default());
        }
        logs
    });
    let wall_s = started.elapsed().as_secs_f64();
    // Closing its stdin asks the server for its figures, and to stop.
    if let Some(mut stdin) = child.0.stdin.take() {
        let _ = stdin.flush();
    }
    let stats: ServerStats = next_json(&mut lines)?;
    let latencies = Samples::new(
        Unit::Seconds,
        logs.iter().flat_map(|l| l.latencies_s.iter().copied()),
    );
    Ok(Served {
        kind,
        clients,
        answered: latencies.len() as u64,
        failed: logs.iter().map(|l| l.failures).sum(),
        first_failure: logs.iter().find_map(|l| l.first_failure.clone()),
        wall_s,
        p50_s: latencies.percentile(50.0),
        p99_s: latencies.percentile(99.0),
        stats,
    })
}

fn no_output(what: &str) -> LessonError {
    LessonError::ChildOutput(COMMAND.into(), format!("no {what}"))
}

fn next_json<T: serde::de::DeserializeOwned>(
    lines: &mut impl Iterator<Item = std::io::Result<String>>,
) -> Result<T, LessonError> {
    let line = lines
        .next()
        .ok_or_else(|| no_output("line"))?
        .map_err(LessonError::Child)?;
    serde_json::from_str(&line).map_err(|e| LessonError::ChildOutput(COMMAND.into(), e.to_string()))
}

fn label(kind: Kind) -> &'static str {
    match kind {
        Kind::Threads => "thread per connection",
        Kind::Async => "task per connection",
    }
}

pub fn report(figures: &Figures) -> Outcome {
    let mut outcome = Outcome::new("servers", "Servers: a thread or a task per connection").intro(format!(
        "Each client keeps one connection and sends {REQUESTS_PER_CLIENT} requests in turn; the \
         handler waits {} before it answers. Both servers run in child processes of their own.",
        format_seconds(figures.delay_s)
    ));
    for served in &figures.servers {
        let mut run = Run::new(
            format!(
                "{} × {}",
                label(served.kind),
                group_thousands(served.clients)
            ),
            Duration::from_secs_f64(served.wall_s),
        )
        .figure(
            "requests/s",
            Figure::Count((served.answered as f64 / served.wall_s.max(1e-9)) as u64),
        )
        .figure("p50", Figure::Seconds(served.p50_s))
        .figure("p99", Figure::Seconds(served.p99_s));
        run = run.figure("open at once", Figure::Count(served.stats.peak_open));
        if let Some(threads) = served.stats.peak_threads {
            run = run.figure("threads", Figure::Count(threads));
        }
        if let Some(rss) = served.stats.peak_rss_bytes {
            run = run.figure("peak RSS", Figure::Bytes(rss));
        }
        outcome = outcome.run(run);
        if served.failed > 0 {
            outcome = outcome.problem(format!(
                "{}: {} request(s) failed, first: {}",
                label(served.kind),
                served.failed,
                served.first_failure.as_deref().unwrap_or("no reason given")
            ));
        }
    }
    if let (Some(threads), Some(tasks)) = (find(figures, Kind::Threads), find(figures, Kind::Async))
    {
        outcome = outcome.finding(format!(
            "Memory: {} with a thread per connection, {} with a task per connection.",
            tasks_rss(threads),
            tasks_rss(tasks)
        ));
    }
    outcome.claim(threads_claim(figures))
}

fn find(figures: &Figures, kind: Kind) -> Option<&Served> {
    figures.servers.iter().find(|s| s.kind == kind)
}

fn tasks_rss(served: &Served) -> String {
    served
        .stats
        .peak_rss_bytes
        .map_or("not measured".into(), format_bytes)
}

fn threads_claim(figures: &Figures) -> Claim {
    let claim = Claim::new(
        "Async servers (FastAPI, aiohttp) serve many connections on one thread, where a \
         thread-per-connection server needs a thread for each.",
        Source::ARTICLE,
    );
    let (Some(threaded), Some(tasks)) = (find(figures, Kind::Threads), find(figures, Kind::Async))
    else {
        return claim.unclear("both servers did not run");
    };
    let (Some(threads_threaded), Some(threads_async)) =
        (threaded.stats.peak_threads, tasks.stats.peak_threads)
    else {
        return claim.unclear("the servers' threads could not be counted here (Linux only)");
    };
    claim
        .measured(format!(
            "thread per connection: {} connections open at once, {} threads (sampled every \
             millisecond); task per connection: {} open at once on {} threads.",
            group_thousands(threaded.stats.peak_open),
            group_thousands(threads_threaded),
            group_thousands(tasks.stats.peak_open),
            threads_async
        ))
        .verdict(verdict(
            threaded.stats.peak_open,
            threads_threaded,
            tasks.stats.peak_open,
            threads_async,
        ))
}

/// Holds when the threaded server's threads kept up with its open connections (the sampler may
/// miss a short peak, hence half) and the async server held ten times more connections than it
/// had threads.
fn verdict(
    open_threaded: u64,
    threads_threaded: u64,
    open_async: u64,
    threads_async: u64,
) -> Verdict {
    let thread_each = 2 * threads_threaded >= open_threaded;
    let few_threads = open_async >= 10 * threads_async;
    match (thread_each, few_threads) {
        (true, true) => Verdict::Holds,
        (true, false) | (false, true) => Verdict::Partly,
        (false, false) => Verdict::DoesNotHold,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(kind: Kind, threads: u64, failed: u64) -> Served {
        Served {
            kind,
            clients: 1_000,
            answered: 3_000 - failed,
            failed,
            first_failure: (failed > 0).then(|| "connect: refused".into()),
            wall_s: 0.3,
            p50_s: 0.051,
            p99_s: 0.09,
            stats: ServerStats {
                requests: 3_000 - failed,
                peak_open: 900,
                peak_threads: Some(threads),
                peak_rss_bytes: Some(20 << 20),
            },
        }
    }

    #[test]
    fn a_thread_each_against_one_thread_holds() {
        let figures = Figures {
            delay_s: 0.05,
            servers: vec![served(Kind::Threads, 1_003, 0), served(Kind::Async, 4, 0)],
        };
        let outcome = report(&figures);
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
        assert!(outcome.problems.is_empty());
        assert_eq!(
            outcome.runs[1].get("requests/s").and_then(Figure::as_f64),
            Some(10_000.0)
        );
    }

    #[test]
    fn failures_are_problems_and_many_async_threads_do_not_hold() {
        let figures = Figures {
            delay_s: 0.05,
            servers: vec![served(Kind::Threads, 100, 12), served(Kind::Async, 400, 0)],
        };
        let outcome = report(&figures);
        assert_eq!(outcome.claims[0].verdict, Verdict::DoesNotHold);
        assert_eq!(outcome.problems.len(), 1);
    }

    #[test]
    fn uncounted_threads_are_unclear() {
        let mut threads = served(Kind::Threads, 0, 0);
        threads.stats.peak_threads = None;
        let figures = Figures {
            delay_s: 0.05,
            servers: vec![threads, served(Kind::Async, 4, 0)],
        };
        assert_eq!(report(&figures).claims[0].verdict, Verdict::Unclear);
    }
}
