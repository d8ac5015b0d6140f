//! `DelayServer`: the "internet" every download lesson talks to, on 127.0.0.1.
//!
//! The article's examples fetch real web sites, which makes timings depend on the network and the
//! lessons fail offline. Instead every lesson starts this small HTTP/1.1 server in-process: it answers
//! after exactly the delay asked for, so "3 downloads of 300 ms" means the same on every machine.
//!
//! It counts requests and the **peak number in flight**: if three fetches really overlapped, the
//! server saw three at once. That count, not a stopwatch, is how lessons and tests prove concurrency.
//!
//! Routes (all `GET`):
//! - `/delay/{ms}`: waits `ms` milliseconds, then answers with a short text body.
//! - `/bytes/{n}?delay_ms=D`: waits D ms (default 0), then sends a body of `n` bytes.
//! - `/status/{code}?delay_ms=D`: waits, then answers with that HTTP status (200–599).
//! - `/truncated?delay_ms=D`: promises 1 KiB, sends 100 bytes, then closes the connection mid-body.
//!
//! It runs axum on its own single-threaded tokio runtime in a background thread, so blocking lessons
//! (std threads, `reqwest::blocking`) and async ones (tokio) can both use it. Single-threaded on
//! purpose: the server adds one thread to the process, not one per core, so lessons that count or
//! probe threads are not disturbed; waiting on timers needs no more than one.
//!
//! It also defends itself, as any server on a shared machine must: a client that connects and
//! says nothing, or sends its request a byte at a time, is hung up on after an
//! [idle timeout](ServerOptions::idle_timeout); and a body is sent piece by piece as the client
//! reads it, so a client that never reads costs the server one piece, not the whole body.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt as _;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde::Deserialize;
use tokio::sync::oneshot;

/// The longest delay the server agrees to wait: anything longer is a typo, not a lesson.
pub const MAX_DELAY_MS: u64 = 120_000;
/// The largest body `/bytes/{n}` sends.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;
/// The default [`ServerOptions::idle_timeout`]: long enough for any client that means to send a
/// request, short enough that abandoned connections do not pile up.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(15);

/// How to start a [`DelayServer`]; `ServerOptions::default()` is what lessons use.
#[derive(Clone, Copy, Debug)]
pub struct ServerOptions {
    /// The port on 127.0.0.1 (0 lets the OS pick a free one).
    pub port: u16,
    /// How long a client may take to send a request's head, counted from when it connected or
    /// received its previous answer: a keep-alive connection left idle, or a "slowloris" client
    /// sending its head a byte at a time, is closed after it. A request already being answered is
    /// never cut short by it, however long its delay.
    pub idle_timeout: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            port: 0,
            idle_timeout: IDLE_TIMEOUT,
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "could not listen on 127.0.0.1:{port}: {source} (is another server using that port? try another with --port)"
    )]
    Bind { port: u16, source: std::io::Error },
    #[error("could not start the server's runtime thread: {0}")]
    Runtime(std::io::Error),
}

/// An HTTP server on 127.0.0.1 that answers after a chosen delay; it stops when dropped.
pub struct DelayServer {
    addr: SocketAddr,
    stats: Arc<Stats>,
    /// Dropping the sender (or sending on it) stops the server's runtime.
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Request counts, shared between the server's handlers and the lesson that reads them.
#[derive(Debug, Default)]
struct Stats {
    requests: AtomicU64,
    in_flight: AtomicU64,
    peak_in_flight: AtomicU64,
}

impl Stats {
    fn enter(self: &Arc<Self>) -> InFlight {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(Arc::clone(self))
    }
}

/// A request being handled; dropping it (response sent, or client gone) ends it.
struct InFlight(Arc<Stats>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl DelayServer {
    /// Starts a server on a free port of 127.0.0.1 (the OS picks it).
    pub fn start() -> Result<Self, ServerError> {
        Self::start_on_port(0)
    }

    /// Starts a server on 127.0.0.1:`port` (0 lets the OS pick). It never listens on any other
    /// address: lessons and tests must not be reachable from the network.
    pub fn start_on_port(port: u16) -> Result<Self, ServerError> {
        Self::start_with(ServerOptions {
            port,
            ..ServerOptions::default()
        })
    }

    /// Starts a server with the given [`ServerOptions`], on 127.0.0.1 only.
    pub fn start_with(options: ServerOptions) -> Result<Self, ServerError> {
        let ServerOptions { port, idle_timeout } = options;
        // Bind here, not in the background thread, so that a taken port is an error for the caller
        // and the address is known before the first request.
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|source| ServerError::Bind { port, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ServerError::Bind { port, source })?;
        let stats = Arc::new(Stats::default());
        let (shutdown, stop) = oneshot::channel();
        let app = routes(Arc::clone(&stats));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ServerError::Runtime)?;
        let thread = std::thread::Builder::new()
            .name("delay-server".into())
            .spawn(move || serve(runtime, listener, app, idle_timeout, stop))
            .map_err(ServerError::Runtime)?;
        Ok(DelayServer {
            addr,
            stats,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The full URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// A URL that answers after `delay`: a "download" of known length.
    pub fn delay_url(&self, delay: Duration) -> String {
        self.url(&format!("/delay/{}", delay.as_millis()))
    }

    /// A URL that answers with `n` bytes after `delay`.
    pub fn bytes_url(&self, n: u64, delay: Duration) -> String {
        self.url(&format!("/bytes/{n}?delay_ms={}", delay.as_millis()))
    }

    /// A URL that answers with HTTP status `code`.
    pub fn status_url(&self, code: u16) -> String {
        self.url(&format!("/status/{code}"))
    }

    /// A URL whose response breaks off mid-body: the client sees an error, not a hang.
    pub fn truncated_url(&self) -> String {
        self.url("/truncated")
    }

    /// Requests received since the start (or the last [`reset_counts`](Self::reset_counts)).
    pub fn requests(&self) -> u64 {
        self.stats.requests.load(Ordering::SeqCst)
    }

    /// Requests being handled right now.
    pub fn in_flight(&self) -> u64 {
        self.stats.in_flight.load(Ordering::SeqCst)
    }

    /// The most requests that were being handled at the same moment: the proof of overlap.
    pub fn peak_in_flight(&self) -> u64 {
        self.stats.peak_in_flight.load(Ordering::SeqCst)
    }

    /// Starts counting afresh, for the next experiment.
    pub fn reset_counts(&self) {
        self.stats.requests.store(0, Ordering::SeqCst);
        self.stats
            .peak_in_flight
            .store(self.in_flight(), Ordering::SeqCst);
    }

    /// Blocks until the server stops (it only stops when the process ends): for the standalone
    /// `delay-server` binary.
    pub fn run_until_killed(mut self) {
        if let Some(thread) = self.thread.take() {
            // The thread only ends if the runtime fails; either way there is nothing left to serve.
            let _ = thread.join();
        }
    }
}

impl Drop for DelayServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    runtime: tokio::runtime::Runtime,
    listener: TcpListener,
    app: Router,
    idle_timeout: Duration,
    stop: oneshot::Receiver<()>,
) {
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("delay-server: cannot use the listening socket: {error}");
                return;
            }
        };
        // No graceful shutdown: it would wait for idle keep-alive connections that a lesson's
        // client may hold open, and dropping the server would hang. Stopping means stopping.
        tokio::select! {
            () = accept_forever(listener, app, idle_timeout) => {}
            _ = stop => {}
        }
    });
    // Dropping the runtime here cancels every request still being answered.
}

/// How long to pause after a failed `accept`, most often for want of file descriptors (EMFILE):
/// retrying at once would spin on an error that only clears as other connections close.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// Accepts connections until the runtime stops, each served on a task of its own.
async fn accept_forever(listener: tokio::net::TcpListener, app: Router, idle_timeout: Duration) {
    let mut warned = false;
    loop {
        match listener.accept().await {
            Ok((stream, _client)) => {
                tokio::spawn(serve_connection(stream, app.clone(), idle_timeout));
            }
            Err(error) => {
                if !warned {
                    eprintln!("delay-server: cannot accept a connection ({error}); retrying");
                    warned = true;
                }
                tokio::time::sleep(ACCEPT_RETRY).await;
            }
        }
    }
}

/// Answers the requests of one connection with hyper directly rather than `axum::serve`, which
/// offers neither of the two settings this server needs:
/// - a header-read timeout (it needs a timer): hyper starts it whenever it waits for a request's
///   head, on a new connection or after an answer, so it bounds idle and slowloris clients alike;
/// - no vectored writes: on Linux, Rust's plain socket write asks the kernel not to raise SIGPIPE
///   when the client has gone (`MSG_NOSIGNAL`), but `writev` cannot ask, and a binary that called
///   [`exit_quietly_on_closed_pipe`](crate::os::exit_quietly_on_closed_pipe) would die of the
///   signal. (macOS marks the socket itself, `SO_NOSIGPIPE`, which accepted sockets inherit.)
async fn serve_connection(stream: tokio::net::TcpStream, app: Router, idle_timeout: Duration) {
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(idle_timeout)
        .writev(false)
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    // An error here is the client's doing (it timed out, hung up or sent garbage); the server
    // has nothing to report and goes on serving the others.
    let _ = connection.await;
}

fn routes(stats: Arc<Stats>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/delay/{ms}", get(delay))
        .route("/bytes/{n}", get(bytes))
        .route("/status/{code}", get(status))
        .route("/truncated", get(truncated))
        .layer(middleware::from_fn_with_state(stats, count_in_flight))
}

async fn count_in_flight(
    State(stats): State<Arc<Stats>>,
    request: Request,
    next: Next,
) -> Response {
    let _in_flight = stats.enter();
    next.run(request).await
}

/// The optional `?delay_ms=` of most routes.
#[derive(Debug, Deserialize)]
struct DelayQuery {
    #[serde(default)]
    delay_ms: u64,
}

/// A request the server refuses, with the reason in the body.
fn bad_request(reason: String) -> Response {
    (StatusCode::BAD_REQUEST, reason + "\n").into_response()
}

async fn wait(ms: u64) -> Result<(), Response> {
    if ms > MAX_DELAY_MS {
        return Err(bad_request(format!(
            "delay of {ms} ms is longer than the {MAX_DELAY_MS} ms this server allows"
        )));
    }
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Ok(())
}

async fn index() -> &'static str {
    "delay-server: GET /delay/{ms}, /bytes/{n}?delay_ms=, /status/{code}?delay_ms=, /truncated\n"
}

async fn delay(Path(ms): Path<u64>) -> Response {
    match wait(ms).await {
        Ok(()) => format!("waited {ms} ms\n").into_response(),
        Err(refusal) => refusal,
    }
}

async fn bytes(Path(n): Path<u64>, Query(query): Query<DelayQuery>) -> Response {
    if n > MAX_BYTES {
        return bad_request(format!(
            "{n} bytes is more than the {MAX_BYTES} this server sends"
        ));
    }
    if let Err(refusal) = wait(query.delay_ms).await {
        return refusal;
    }
    sized_body(n, filler(n))
}

/// The size of each piece of a `/bytes` body, and of the filler they are cut from.
const PIECE: usize = 64 * 1024;
/// What `/bytes` and `/truncated` send: the same static bytes every time, so no body is ever
/// allocated, let alone a 64 MiB one per client.
static FILLER: [u8; PIECE] = [b'x'; PIECE];

/// `n` bytes of filler as a stream of pieces. hyper asks the stream for the next piece only when
/// the connection has room for it, so a client that reads slowly, or never, makes the server
/// wait instead of buffer: it holds at most hyper's write buffer per connection.
fn filler(n: u64) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
    let whole_pieces = n / PIECE as u64;
    let rest = (n % PIECE as u64) as usize;
    let sizes = (0..whole_pieces)
        .map(|_| PIECE)
        .chain((rest > 0).then_some(rest));
    futures_util::stream::iter(sizes.map(|size| Ok(Bytes::from_static(&FILLER[..size]))))
}

/// A response announcing `length` bytes with the body `pieces`: a stream has no length of its
/// own, and without the header the client would get a chunked body instead of a known size.
fn sized_body<S, E>(length: u64, pieces: S) -> Response
where
    S: futures_util::Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<axum::BoxError> + 'static,
{
    Response::builder()
        .header(header::CONTENT_LENGTH, length)
        .body(Body::from_stream(pieces))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn status(Path(code): Path<u16>, Query(query): Query<DelayQuery>) -> Response {
    let Some(status) = (200..=599)
        .contains(&code)
        .then(|| StatusCode::from_u16(code).ok())
        .flatten()
    else {
        return bad_request(format!("{code} is not an HTTP status from 200 to 599"));
    };
    if let Err(refusal) = wait(query.delay_ms).await {
        return refusal;
    }
    (status, format!("status {code}\n")).into_response()
}

async fn truncated(Query(query): Query<DelayQuery>) -> Response {
    if let Err(refusal) = wait(query.delay_ms).await {
        return refusal;
    }
    // The head promises 1024 bytes; the body sends 100 and then fails, so hyper closes the
    // connection mid-body. The yield in between matters: hyper writes out what it has gathered
    // when the body has nothing ready, and had the error come at once it would have dropped the
    // connection with those 100 bytes still in its buffer (an empty reply, not a cut one).
    let part = futures_util::stream::once(async { Ok(Bytes::from_static(&FILLER[..100])) });
    let cut = futures_util::stream::once(async {
        tokio::task::yield_now().await;
        Err(std::io::Error::other("closing mid-body on purpose"))
    });
    sized_body(TRUNCATED_LENGTH, part.chain(cut))
}

/// The length `/truncated` announces; it sends 100 bytes of it.
const TRUNCATED_LENGTH: u64 = 1024;
