//! `servers` beside `python/servers.py`: `ThreadingHTTPServer` and an `asyncio.start_server`
//! server under the same load of slow clients, next to the lesson's two Rust servers.

use std::time::Duration;

use anyhow::Context as _;
use lesson_kit::report::{format_seconds, group_thousands};
use lesson_kit::{Claim, Figure, Outcome, Run, Source, Twins, Verdict};
use serde::{Deserialize, Serialize};

use crate::experiments::Settings;
use crate::experiments::servers::{HANDLER_DELAY, REQUESTS_PER_CLIENT, Served, load};
use crate::servers::Kind;

/// One server, as `python/servers.py` prints it.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct TwinServer {
    /// `threads` or `async`.
    pub kind: String,
    pub wall_s: f64,
    pub answered: u64,
    pub failed: u64,
    pub p50_s: f64,
    pub p99_s: f64,
    /// `threading.active_count()`, sampled every millisecond: the whole process's threads.
    pub peak_threads: u64,
}

#[derive(Debug, Deserialize)]
struct Twin {
    servers: Vec<TwinServer>,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub clients: u64,
    pub cpython: Vec<TwinServer>,
    pub rust: Vec<Served>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let clients = settings
        .lesson
        .clients
        .unwrap_or(settings.size(1_000, 10_000));
    lesson_kit::os::ensure_open_files(2 * clients + 64)?;
    let args = [
        format!("--clients={clients}"),
        format!("--requests={REQUESTS_PER_CLIENT}"),
        format!("--delay-ms={}", HANDLER_DELAY.as_millis()),
    ];
    let twin: Twin = twins
        .run("servers.py", &args)
        .context("python/servers.py")?;
    let rust = [Kind::Threads, Kind::Async]
        .into_iter()
        .map(|kind| load(kind, clients))
        .collect::<Result<_, _>>()?;
    Ok(Figures {
        python: twins.version.clone(),
        clients,
        cpython: twin.servers,
        rust,
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let mut outcome = Outcome::new("compare-servers", "Servers: CPython beside Rust").intro(format!(
        "{} clients, {REQUESTS_PER_CLIENT} requests each, a handler that waits {}. In CPython the \
         clients share the server's process (and GIL).",
        group_thousands(figures.clients),
        format_seconds(HANDLER_DELAY.as_secs_f64())
    ));
    for server in &figures.cpython {
        let name = if server.kind == "threads" {
            "ThreadingHTTPServer"
        } else {
            "asyncio server"
        };
        outcome = outcome.run(row(
            format!("{}: {name}", figures.python),
            server.wall_s,
            server.answered,
            server.p50_s,
            server.p99_s,
            server.peak_threads,
        ));
        if server.failed > 0 {
            outcome = outcome.problem(format!("{name}: {} request(s) failed", server.failed));
        }
    }
    for served in &figures.rust {
        let name = if served.kind == Kind::Threads {
            "Rust: thread per connection"
        } else {
            "Rust: task per connection"
        };
        outcome = outcome.run(row(
            name.into(),
            served.wall_s,
            served.answered,
            served.p50_s,
            served.p99_s,
            served.stats.peak_threads.unwrap_or(0),
        ));
    }
    outcome.claim(one_thread_claim(figures))
}

/// The article's servers remark, counted in CPython: the threads each server peaked at.
fn one_thread_claim(figures: &Figures) -> Claim {
    let threads = |kind: &str| {
        figures
            .cpython
            .iter()
            .find(|s| s.kind == kind)
            .map(|s| s.peak_threads)
    };
    let claim = Claim::new(
        "Async servers (FastAPI, aiohttp) serve many connections on one thread, where a \
         thread-per-connection server needs a thread for each.",
        Source::ARTICLE,
    );
    match (threads("threads"), threads("async")) {
        (Some(threaded), Some(tasks)) => claim
            .measured(format!(
                "CPython, {} connections: ThreadingHTTPServer peaked at {} threads, the asyncio \
                 server at {tasks}.",
                group_thousands(figures.clients),
                group_thousands(threaded)
            ))
            .verdict(if tasks <= 4 && 2 * threaded >= figures.clients {
                Verdict::Holds
            } else {
                Verdict::Partly
            }),
        _ => claim.unclear("the twin did not run both servers"),
    }
}

fn row(label: String, wall_s: f64, answered: u64, p50_s: f64, p99_s: f64, threads: u64) -> Run {
    Run::new(label, Duration::from_secs_f64(wall_s))
        .figure(
            "requests/s",
            Figure::Count((answered as f64 / wall_s.max(1e-9)) as u64),
        )
        .figure("p50", Figure::Seconds(p50_s))
        .figure("p99", Figure::Seconds(p99_s))
        .figure("threads", Figure::Count(threads))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn twin(kind: &str, threads: u64) -> TwinServer {
        TwinServer {
            kind: kind.into(),
            wall_s: 1.0,
            answered: 3_000,
            failed: 0,
            p50_s: 0.1,
            p99_s: 0.5,
            peak_threads: threads,
        }
    }

    #[test]
    fn a_thread_each_against_two_threads_holds_in_cpython() {
        let figures = Figures {
            python: "Python 3.11.7".into(),
            clients: 1_000,
            cpython: vec![twin("threads", 919), twin("async", 2)],
            rust: Vec::new(),
        };
        let outcome = report(&figures);
        assert_eq!(outcome.claims[0].verdict, Verdict::Holds);
        assert_eq!(
            outcome.runs[0].get("requests/s").and_then(Figure::as_f64),
            Some(3_000.0)
        );
    }

    #[test]
    fn few_threads_in_the_threaded_server_hold_only_in_part() {
        let figures = Figures {
            python: "Python 3.11.7".into(),
            clients: 1_000,
            cpython: vec![twin("threads", 40), twin("async", 2)],
            rust: Vec::new(),
        };
        assert_eq!(report(&figures).claims[0].verdict, Verdict::Partly);
    }
}
