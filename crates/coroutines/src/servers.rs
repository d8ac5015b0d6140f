//! Two servers for the same slow handler, and the load that tells them apart.
//!
//! The article credits asyncio for FastAPI's and aiohttp's way of serving many connections. The
//! lesson measures why: one server starts a thread per connection (`socketserver.ThreadingMixIn`,
//! Python's `ThreadingHTTPServer`), the other a task per connection on one thread (an asyncio
//! server). Both answer each request after `delay` (a database call, say), keep connections open
//! between requests, and speak just enough HTTP/1.1 for the lesson's own client.
//!
//! Each server runs in a child process (`coroutines --child server ...`) so that its threads and
//! its memory are its own: it prints its port, serves until its stdin closes, then prints what it
//! saw ([`ServerStats`]).

use std::ffi::OsString;
use std::io::{self, BufRead, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use clap::{Parser, ValueEnum};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The child's name.
pub const COMMAND: &str = "server";

/// The answer to every request.
const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// One OS thread per connection: `ThreadingHTTPServer`.
    Threads,
    /// One task per connection on a current-thread runtime: an asyncio server.
    Async,
}

#[derive(Debug, Parser)]
#[command(name = COMMAND)]
pub struct ServerArgs {
    #[arg(long, value_enum)]
    pub kind: Kind,
    #[arg(long)]
    pub delay_ms: u64,
    /// Open files to ask for: one per connection, plus a margin.
    #[arg(long, default_value_t = 1024)]
    pub open_files: u64,
}

/// The first line the child prints.
#[derive(Debug, Serialize, Deserialize)]
pub struct Listening {
    pub port: u16,
}

/// The last line the child prints, once its stdin has closed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerStats {
    pub requests: u64,
    /// The most connections open at once (counted by the handlers: exact).
    pub peak_open: u64,
    /// The most threads the process had at once (from /proc/self/status; `None` elsewhere).
    pub peak_threads: Option<u64>,
    pub peak_rss_bytes: Option<u64>,
}

/// `coroutines --child server ARGS…`.
pub fn child_main(args: Vec<OsString>) -> ExitCode {
    let args = match ServerArgs::try_parse_from(std::iter::once(COMMAND.into()).chain(args)) {
        Ok(args) => args,
        Err(error) => error.exit(),
    };
    match serve(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("the {:?} server failed: {error}", args.kind);
            ExitCode::FAILURE
        }
    }
}

fn say<T: Serialize>(line: &T) -> io::Result<()> {
    let json = serde_json::to_string(line).map_err(io::Error::from)?;
    let mut out = io::stdout().lock();
    writeln!(out, "{json}")?;
    out.flush()
}

fn serve(args: &ServerArgs) -> Result<(), Box<dyn std::error::Error>> {
    lesson_kit::os::ensure_open_files(args.open_files)?;
    let delay = Duration::from_millis(args.delay_ms);
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let requests = Arc::new(Counters::default());
    let peak_threads = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = std::thread::spawn({
        let (peak_threads, done) = (Arc::clone(&peak_threads), Arc::clone(&done));
        move || {
            while !done.load(Ordering::SeqCst) {
                if let Some(now) = threads_now() {
                    peak_threads.fetch_max(now, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    });
    say(&Listening {
        port: listener.local_addr()?.port(),
    })?;
    let requests_seen = Arc::clone(&requests);
    match args.kind {
        // The accept loops run on threads of their own; this one waits for stdin to close.
        Kind::Threads => {
            std::thread::spawn(move || thread_per_connection(listener, delay, requests_seen));
        }
        Kind::Async => {
            listener.set_nonblocking(true)?;
            std::thread::spawn(move || task_per_connection(listener, delay, requests_seen));
        }
    }
    // The parent closes our stdin when its load is done (or when it dies): then report and go.
    let _ = io::stdin().lock().read_to_end(&mut Vec::new());
    done.store(true, Ordering::SeqCst);
    let _ = sampler.join();
    say(&ServerStats {
        requests: requests.requests.load(Ordering::SeqCst),
        peak_open: requests.peak_open.load(Ordering::SeqCst),
        peak_threads: Some(peak_threads.load(Ordering::SeqCst)).filter(|&n| n > 0),
        peak_rss_bytes: status_field("VmHWM:").map(|kib| kib * 1024),
    })?;
    Ok(())
}

/// Requests answered, and connections open now and at most.
#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    open: AtomicU64,
    peak_open: AtomicU64,
}

/// Counts a connection open for as long as it lives.
struct Open<'a>(&'a Counters);

impl<'a> Open<'a> {
    fn new(counters: &'a Counters) -> Self {
        let now = counters.open.fetch_add(1, Ordering::SeqCst) + 1;
        counters.peak_open.fetch_max(now, Ordering::SeqCst);
        Open(counters)
    }
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// This process's thread count now, from `/proc/self/status` (Linux).
fn threads_now() -> Option<u64> {
    status_field("Threads:")
}

/// A number from `/proc/self/status` (Linux): `Threads:`, or `VmHWM:` (the peak resident memory,
/// in KiB). `None` elsewhere: the report leaves the figure out rather than make one up.
fn status_field(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|n| n.trim().trim_end_matches("kB").trim().parse().ok())
}

/// `ThreadingHTTPServer`: accept, then a new thread for the connection.
fn thread_per_connection(listener: TcpListener, delay: Duration, requests: Arc<Counters>) {
    for stream in listener.incoming().flatten() {
        let requests = Arc::clone(&requests);
        let started = std::thread::Builder::new().spawn(move || {
            let _ = handle_blocking(stream, delay, &requests);
        });
        // Out of threads: the connection is dropped, and its client sees the failure.
        drop(started);
    }
}

fn handle_blocking(stream: TcpStream, delay: Duration, requests: &Counters) -> io::Result<()> {
    let _open = Open::new(requests);
    let mut reader = io::BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        // A request is its head: lines up to an empty one (the lesson's client sends no body).
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        while line.trim_end() != "" {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
        }
        std::thread::sleep(delay); // the slow handler: this thread waits
        writer.write_all(RESPONSE)?;
        requests.requests.fetch_add(1, Ordering::SeqCst);
    }
}

/// An asyncio server: one task per connection, every task on one thread.
fn task_per_connection(listener: TcpListener, delay: Duration, requests: Arc<Counters>) {
    let Ok(runtime) = crate::runtime::current_thread() else {
        return;
    };
    runtime.block_on(async move {
        let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
            return;
        };
        while let Ok((stream, _)) = listener.accept().await {
            let requests = Arc::clone(&requests);
            tokio::spawn(async move {
                let _ = handle_async(stream, delay, &requests).await;
            });
        }
    });
}

async fn handle_async(
    mut stream: tokio::net::TcpStream,
    delay: Duration,
    requests: &Counters,
) -> io::Result<()> {
    let _open = Open::new(requests);
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
            let read = stream.read(&mut chunk).await?;
            if read == 0 {
                return Ok(());
            }
            buffer.extend_from_slice(&chunk[..read]);
        }
        let end = buffer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(0)
            + 4;
        buffer.drain(..end);
        tokio::time::sleep(delay).await; // the slow handler: this task waits, the thread does not
        stream.write_all(RESPONSE).await?;
        requests.requests.fetch_add(1, Ordering::SeqCst);
    }
}

/// What one client saw: each request's latency, and whether it failed.
#[derive(Clone, Debug, Default)]
pub struct ClientLog {
    pub latencies_s: Vec<f64>,
    pub failures: u64,
    /// The first failure's reason.
    pub first_failure: Option<String>,
}

/// One client: one connection, `requests` requests in turn, each bounded by `timeout`.
pub async fn client(port: u16, requests: u32, timeout: Duration) -> ClientLog {
    let mut log = ClientLog::default();
    let fail = |log: &mut ClientLog, reason: String, left: u32| {
        log.failures += u64::from(left);
        log.first_failure.get_or_insert(reason);
    };
    let stream =
        tokio::time::timeout(timeout, tokio::net::TcpStream::connect(("127.0.0.1", port))).await;
    let mut stream = match stream {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => {
            fail(&mut log, format!("connect: {error}"), requests);
            return log;
        }
        Err(_) => {
            fail(&mut log, "connect: timed out".into(), requests);
            return log;
        }
    };
    for sent in 0..requests {
        let started = tokio::time::Instant::now();
        let exchange = async {
            stream
                .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .await?;
            let mut answer = vec![0u8; RESPONSE.len()];
            stream.read_exact(&mut answer).await?;
            Ok::<_, io::Error>(answer == RESPONSE)
        };
        let reason = match tokio::time::timeout(timeout, exchange).await {
            Ok(Ok(true)) => {
                log.latencies_s.push(started.elapsed().as_secs_f64());
                continue;
            }
            Ok(Ok(false)) => "an unexpected answer".to_string(),
            Ok(Err(error)) => format!("request: {error}"),
            Err(_) => "request: timed out".to_string(),
        };
        fail(&mut log, reason, requests - sent);
        break;
    }
    log
}
