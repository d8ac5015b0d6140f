//! `RedisExecutor`: the futures-api `Executor` whose workers are wherever a Redis server reaches.
//!
//! The client side of the protocol (the workers' side is [`crate::worker`]):
//! - `submit` adds one [`TaskFrame`] to the tasks stream (`XADD`) and keeps the future under the
//!   frame's id;
//! - one *listener* thread reads this client's results stream (`XREAD BLOCK`) and fills the
//!   futures: `Started` marks one running, `Finished` sets its value, `GaveUp` sets
//!   `BrokenExecutor`. A result whose id has no future waiting is a duplicate (the task ran
//!   twice): it is counted and dropped, which is what makes at-least-once delivery harmless here.
//! - a future cancelled while queued asks the listener to delete its entry (`XDEL`), so no worker
//!   reads it; a worker that already has it runs it, and its result is dropped.
//!
//! Rejected: a Redis list with `BLPOP` (RQ's and many queues' first design): a popped task lives
//! only in the worker's memory, and a worker that dies loses it (rq#1461). A stream's consumer
//! group keeps every delivered task in its pending list until acknowledged.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use futures_api::executor::ChunkResults;
use futures_api::{BrokenExecutor, Executor, FutureError, Job, SubmitError, TaskFuture};
use redis::Commands;
use redis::streams::{StreamReadOptions, StreamReadReply};

use crate::frames::{
    Event, FIELD, FUTURES, GROUP, ResultFrame, TaskFrame, results_stream, tasks_stream,
};

/// How long the listener blocks in one `XREAD`: the bound on how late it notices a shutdown.
const LISTEN_BLOCK_MS: usize = 200;

/// The client's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RedisOptions {
    /// What `max_workers()` answers: how many workers the caller started. Redis does not know
    /// how many are alive (a consumer that died stays in the group), so the caller says.
    pub workers: usize,
    /// A task delivered this many times (its workers kept dying under it) is reported as
    /// `BrokenExecutor` instead of being run again.
    pub max_deliveries: u64,
    /// The queue of this task type ([`FUTURES`], [`IMAGES`](crate::frames::IMAGES)): workers
    /// started with the same `--queue` run them.
    pub queue: &'static str,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            workers: 1,
            max_deliveries: 3,
            queue: FUTURES,
        }
    }
}

/// A future waiting for its result frame: one task's, or one chunk's.
enum Waiting<T> {
    One(TaskFuture<T>),
    Chunk(TaskFuture<ChunkResults<T>>),
}

impl<T> Waiting<T> {
    fn set_running(&self) {
        match self {
            Waiting::One(f) => f.set_running_or_notify_cancel(),
            Waiting::Chunk(f) => f.set_running_or_notify_cancel(),
        };
    }

    fn cancel(&self) {
        match self {
            Waiting::One(f) => f.cancel(),
            Waiting::Chunk(f) => f.cancel(),
        };
    }

    fn wait(&self) {
        // The outcome itself is read by whoever holds the future; this only waits for it.
        match self {
            Waiting::One(f) => drop(f.exception(None)),
            Waiting::Chunk(f) => drop(f.exception(None)),
        }
    }

    fn finish(&self, results: Vec<Result<T, String>>) {
        let failed = |e: String| FutureError::Failed(e);
        match self {
            Waiting::One(f) => {
                let outcome = results
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| Err("the worker sent no result for this task".to_string()));
                f.set_outcome(outcome.map_err(failed));
            }
            Waiting::Chunk(f) => {
                f.set_outcome(Ok(results.into_iter().map(|r| r.map_err(failed)).collect()))
            }
        }
    }

    fn broken(&self, reason: String) {
        let error = FutureError::Broken(BrokenExecutor { reason });
        match self {
            Waiting::One(f) => f.set_outcome(Err(error)),
            Waiting::Chunk(f) => f.set_outcome(Err(error)),
        }
    }
}

/// What the client and its listener share.
struct Shared<T> {
    /// Futures not yet answered, by frame id, with the entry id `XADD` gave their frame.
    waiting: Mutex<HashMap<u64, (Waiting<T>, String)>>,
    /// Results that found no future waiting: tasks that ran twice.
    duplicates: AtomicU64,
    /// Tasks cancelled while queued: a result of theirs is not a duplicate (a worker had read
    /// the entry before it was deleted), only unwanted.
    cancelled: Mutex<HashSet<u64>>,
    /// Results from a delivery after the first: tasks reclaimed from a worker that stopped.
    redeliveries: AtomicU64,
    stop: AtomicBool,
}

/// `Executor` on Redis Streams: see the module's documentation.
pub struct RedisExecutor<J: Job> {
    connection: Mutex<redis::Connection>,
    tasks: String,
    client_id: String,
    reply_to: String,
    options: RedisOptions,
    next_id: AtomicU64,
    shared: Arc<Shared<J::Output>>,
    cancelled: mpsc::Sender<String>,
    listener: Mutex<Option<thread::JoinHandle<()>>>,
    shut_down: AtomicBool,
}

/// Why the executor could not start: the URL, or the server.
#[derive(Debug, thiserror::Error)]
#[error("Redis at {url}: {source}")]
pub struct ConnectError {
    pub url: String,
    #[source]
    pub source: redis::RedisError,
}

impl<J: Job> RedisExecutor<J> {
    /// Connects to the Redis at `url` (`redis://HOST:PORT`), makes sure the tasks stream and the
    /// workers' group exist, and starts the listener.
    pub fn connect(url: &str, options: RedisOptions) -> Result<Self, ConnectError> {
        let error = |source| ConnectError {
            url: url.to_string(),
            source,
        };
        let client = redis::Client::open(url).map_err(error)?;
        let mut connection = client.get_connection().map_err(error)?;
        let mut listening = client.get_connection().map_err(error)?;
        let tasks = tasks_stream(options.queue);
        create_group(&mut connection, &tasks).map_err(error)?;
        let client_id: u64 = connection.incr("futures:clients", 1).map_err(error)?;
        let client_id = format!("{}-{client_id}", crate::worker::host());
        let reply_to = results_stream(&client_id);
        let shared = Arc::new(Shared {
            waiting: Mutex::new(HashMap::new()),
            duplicates: AtomicU64::new(0),
            cancelled: Mutex::new(HashSet::new()),
            redeliveries: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let (cancelled, cancels) = mpsc::channel();
        let listener = {
            let shared = shared.clone();
            let reply_to = reply_to.clone();
            let tasks = tasks.clone();
            thread::Builder::new()
                .name("redis-listener".into())
                .spawn(move || listen(&mut listening, &tasks, &reply_to, &shared, &cancels))
                .map_err(|e| error(e.into()))?
        };
        Ok(RedisExecutor {
            connection: Mutex::new(connection),
            tasks,
            client_id,
            reply_to,
            options,
            next_id: AtomicU64::new(0),
            shared,
            cancelled,
            listener: Mutex::new(Some(listener)),
            shut_down: AtomicBool::new(false),
        })
    }

    /// This client's name in Redis (its results stream is `futures:results:<id>`).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Results that arrived for a task already answered: it ran twice, and the second result
    /// was dropped.
    pub fn duplicates(&self) -> u64 {
        self.shared.duplicates.load(Ordering::Relaxed)
    }

    /// Results that came from a second (or later) delivery of their task.
    pub fn redeliveries(&self) -> u64 {
        self.shared.redeliveries.load(Ordering::Relaxed)
    }

    /// Adds one frame to the tasks stream and keeps `waiting` under its id.
    fn send(&self, tasks: Vec<J>, waiting: Waiting<J::Output>) -> Result<u64, SubmitError> {
        if self.shut_down.load(Ordering::SeqCst) {
            return Err(SubmitError::Shutdown);
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let frame = TaskFrame {
            id,
            reply_to: self.reply_to.clone(),
            max_deliveries: self.options.max_deliveries,
            tasks,
        };
        let broken = |reason: String| SubmitError::Broken(BrokenExecutor { reason });
        let json = serde_json::to_string(&frame).map_err(|e| broken(e.to_string()))?;
        // Kept before the XADD: a fast worker's result must find its future.
        let mut waiting_now = self.shared.lock();
        let entry: Result<String, _> = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .xadd(&self.tasks, "*", &[(FIELD, json)]);
        let entry = entry.map_err(|e| broken(format!("could not add the task to Redis: {e}")))?;
        waiting_now.insert(id, (waiting, entry.clone()));
        drop(waiting_now);
        Ok(id)
    }

    /// A future cancelled while queued: its entry is deleted from the stream, so that no worker
    /// reads it (one that already has it runs it, and its result finds no future).
    fn watch_cancel<T: Send + 'static>(&self, id: u64, future: &TaskFuture<T>) {
        let cancelled = self.cancelled.clone();
        let shared = self.shared.clone();
        future.add_done_callback(move |f| {
            if !f.cancelled() {
                return;
            }
            if let Some((_, entry)) = shared.lock().remove(&id) {
                let _ = cancelled.send(entry);
                shared.cancelled_ids().insert(id);
            }
        });
    }

    /// `shutdown(wait, cancel_futures)`: see [`Executor::shutdown`]. Workers are not stopped:
    /// they belong to whoever started them, and serve other clients too. As in Python, `wait`
    /// waits for every task not cancelled: with no worker running anywhere, that is forever, so
    /// pass `cancel_futures` (or give `map` a timeout) when workers may be gone.
    pub fn shutdown(&self, wait: bool, cancel_futures: bool) {
        self.shut_down.store(true, Ordering::SeqCst);
        if cancel_futures {
            let waiting: Vec<_> = self
                .shared
                .lock()
                .values()
                .map(|(w, _)| w.clone_handle())
                .collect();
            for w in &waiting {
                w.cancel();
            }
        }
        if !wait {
            return;
        }
        let waiting: Vec<_> = self
            .shared
            .lock()
            .values()
            .map(|(w, _)| w.clone_handle())
            .collect();
        for w in &waiting {
            w.wait();
        }
        self.shared.stop.store(true, Ordering::SeqCst);
        let listener = self
            .listener
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(listener) = listener {
            let _ = listener.join();
            let mut connection = self
                .connection
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let _: redis::RedisResult<()> = connection.del(&self.reply_to);
        }
    }
}

impl<T> Waiting<T> {
    fn clone_handle(&self) -> Waiting<T> {
        match self {
            Waiting::One(f) => Waiting::One(f.clone()),
            Waiting::Chunk(f) => Waiting::Chunk(f.clone()),
        }
    }
}

impl<T> Shared<T> {
    fn cancelled_ids(&self) -> std::sync::MutexGuard<'_, HashSet<u64>> {
        self.cancelled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (Waiting<T>, String)>> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `XGROUP CREATE futures:tasks:QUEUE workers 0 MKSTREAM`, unless the group exists already.
pub fn create_group(connection: &mut redis::Connection, tasks: &str) -> redis::RedisResult<()> {
    let created: redis::RedisResult<()> = connection.xgroup_create_mkstream(tasks, GROUP, "0");
    match created {
        Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
        other => other,
    }
}

/// The listener: reads this client's results stream until told to stop, and deletes the
/// entries of cancelled tasks.
fn listen<T: serde::de::DeserializeOwned>(
    connection: &mut redis::Connection,
    tasks: &str,
    reply_to: &str,
    shared: &Shared<T>,
    cancels: &mpsc::Receiver<String>,
) {
    let mut last = "0".to_string();
    let options = StreamReadOptions::default()
        .block(LISTEN_BLOCK_MS)
        .count(100);
    while !shared.stop.load(Ordering::SeqCst) {
        for entry in cancels.try_iter() {
            let _: redis::RedisResult<u64> = connection.xdel(tasks, &[entry]);
        }
        let reply: redis::RedisResult<Option<StreamReadReply>> =
            connection.xread_options(&[reply_to], &[&last], &options);
        let Ok(Some(reply)) = reply else {
            if reply.is_err() {
                // The server went away: the futures are answered as broken by whoever waits
                // with a timeout; a bounded pause keeps this loop from spinning.
                thread::sleep(Duration::from_millis(LISTEN_BLOCK_MS as u64));
            }
            continue;
        };
        let entries: Vec<_> = reply.keys.into_iter().flat_map(|k| k.ids).collect();
        // Read once, never again: deleted so that a long session's results stream stays small.
        let read: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        if !read.is_empty() {
            let _: redis::RedisResult<u64> = connection.xdel(reply_to, &read);
        }
        for entry in &entries {
            last = entry.id.clone();
            let Some(json) = entry.get::<String>(FIELD) else {
                continue;
            };
            match serde_json::from_str::<ResultFrame<T>>(&json) {
                Ok(frame) => deliver(shared, frame),
                Err(e) => eprintln!("broker: an unreadable result frame was skipped: {e}"),
            }
        }
    }
}

/// One result frame to its future, or to the duplicates' count.
fn deliver<T>(shared: &Shared<T>, frame: ResultFrame<T>) {
    let mut waiting = shared.lock();
    match frame.event {
        Event::Started => {
            if let Some((w, _)) = waiting.get(&frame.id) {
                w.set_running();
            }
        }
        Event::Finished(results) => match waiting.remove(&frame.id) {
            Some((w, _)) => {
                drop(waiting);
                if frame.delivery > 1 {
                    shared.redeliveries.fetch_add(1, Ordering::Relaxed);
                }
                w.finish(results);
            }
            None if shared.cancelled_ids().contains(&frame.id) => {}
            None => {
                shared.duplicates.fetch_add(1, Ordering::Relaxed);
            }
        },
        Event::GaveUp { deliveries } => {
            if let Some((w, _)) = waiting.remove(&frame.id) {
                drop(waiting);
                w.broken(format!(
                    "the task was delivered {deliveries} times and its worker stopped each time \
                     (last seen by {}): it is not run again",
                    frame.worker
                ));
            }
        }
    }
}

impl<J: Job> Executor<J> for RedisExecutor<J>
where
    J::Output: Send,
{
    fn submit(&self, task: J) -> Result<TaskFuture<J::Output>, SubmitError> {
        let future = TaskFuture::new();
        let id = self.send(vec![task], Waiting::One(future.clone()))?;
        self.watch_cancel(id, &future);
        Ok(future)
    }

    fn submit_chunk(
        &self,
        tasks: Vec<J>,
    ) -> Result<TaskFuture<ChunkResults<J::Output>>, SubmitError> {
        let future = TaskFuture::new();
        let id = self.send(tasks, Waiting::Chunk(future.clone()))?;
        self.watch_cancel(id, &future);
        Ok(future)
    }

    fn shutdown(&self, wait: bool, cancel_futures: bool) {
        RedisExecutor::shutdown(self, wait, cancel_futures);
    }

    fn max_workers(&self) -> usize {
        self.options.workers
    }
}

/// Leaving the `with` block: `shutdown(wait=True)`.
impl<J: Job> Drop for RedisExecutor<J> {
    fn drop(&mut self) {
        self.shutdown(true, false);
    }
}
