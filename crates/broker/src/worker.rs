//! The worker: `broker worker --redis redis://HOST:PORT`, the same program on any machine.
//!
//! Its loop, one task at a time:
//! 1. take a task whose worker stopped answering, if there is one (`XAUTOCLAIM`: pending longer
//!    than the lease), else wait for a new one (`XREADGROUP ... >`, blocking a short while);
//! 2. a task delivered more than its `max_deliveries` is not run: the client is told it gave up;
//! 3. say `Started`, run the task while a *heartbeat* thread keeps the lease (re-claiming the
//!    entry for itself every third of the lease, which resets its idle time), send `Finished`;
//! 4. acknowledge (`XACK`) only then. A worker that dies before step 4 leaves the task pending,
//!    for another worker to claim: at-least-once delivery. Dying between the result and the
//!    acknowledgement makes it run twice; the client drops the second result.
//!
//! A task that panics ends the worker, as in the process pool: the task is claimed again
//! elsewhere until `max_deliveries`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use futures_api::Job;
use redis::Commands;
use redis::streams::{
    StreamAutoClaimOptions, StreamAutoClaimReply, StreamClaimOptions, StreamId,
    StreamPendingCountReply, StreamReadOptions, StreamReadReply,
};
use serde::Serialize;

use crate::executor::create_group;
use crate::frames::{Event, FIELD, FUTURES, GROUP, ResultFrame, TaskFrame, tasks_stream};

/// How long one `XREADGROUP` blocks: the longest a reclaimable task waits for an idle worker to
/// look again.
const READ_BLOCK_MS: usize = 250;

/// A worker's settings (its command-line flags).
#[derive(Clone, Debug, PartialEq, Eq, clap::Args)]
pub struct WorkerArgs {
    /// The Redis server: redis://HOST:PORT.
    #[arg(long, value_name = "URL")]
    pub redis: String,
    /// Which tasks to run: `futures` (the futures-api lesson's) or `images` (the multiprocessing
    /// lesson's image pipeline).
    #[arg(long, value_name = "QUEUE", default_value = FUTURES, value_parser = [FUTURES, crate::frames::IMAGES])]
    pub queue: String,
    /// How long a task may go without news from its worker before another worker claims it, in
    /// milliseconds. Every worker of one Redis should use the same.
    #[arg(long, value_name = "MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(50..=3_600_000))]
    pub lease_ms: u64,
    /// Do not extend the lease while a task runs: a task longer than the lease is then claimed
    /// by a second worker and runs twice (the demonstration of celery#5306).
    #[arg(long)]
    pub no_heartbeat: bool,
}

/// This machine's name, for consumer and client names (`/proc/sys/kernel/hostname`).
pub fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_string())
}

/// Runs tasks of type `J` from the Redis at `args.redis` until the process is stopped (or the
/// server goes away: then it returns the error).
pub fn run<J: Job>(args: &WorkerArgs) -> redis::RedisResult<()> {
    let client = redis::Client::open(args.redis.as_str())?;
    let mut connection = client.get_connection()?;
    let tasks = tasks_stream(&args.queue);
    create_group(&mut connection, &tasks)?;
    let me = format!("{}-{}", host(), std::process::id());
    eprintln!("broker worker {me}: waiting for tasks at {}", args.redis);
    loop {
        let Some((entry, delivery)) = next_task(&mut connection, &tasks, &me, args.lease_ms)?
        else {
            continue;
        };
        let Some(json) = entry.get::<String>(FIELD) else {
            // Not ours to read: acknowledged so that it is not delivered forever.
            let _: u64 = connection.xack(&tasks, GROUP, &[&entry.id])?;
            continue;
        };
        let frame: TaskFrame<J> = match serde_json::from_str(&json) {
            Ok(frame) => frame,
            Err(e) => {
                // A task this worker cannot read (another version, another type): its client
                // is told, rather than the task vanishing.
                refuse(&mut connection, &json, &me, &e.to_string())?;
                let _: u64 = connection.xack(&tasks, GROUP, &[&entry.id])?;
                continue;
            }
        };
        let reply = |connection: &mut redis::Connection, event| {
            let result = ResultFrame {
                id: frame.id,
                worker: me.clone(),
                delivery,
                event,
            };
            send(connection, &frame.reply_to, &result)
        };
        if delivery > frame.max_deliveries {
            reply(
                &mut connection,
                Event::<J::Output>::GaveUp {
                    deliveries: delivery - 1,
                },
            )?;
            let _: u64 = connection.xack(&tasks, GROUP, &[&entry.id])?;
            continue;
        }
        reply(&mut connection, Event::<J::Output>::Started)?;
        let heartbeat = (!args.no_heartbeat)
            .then(|| Heartbeat::start(&client, &tasks, &entry.id, &me, args.lease_ms))
            .transpose()?;
        let results: Vec<Result<J::Output, String>> = frame.tasks.into_iter().map(J::run).collect();
        drop(heartbeat);
        reply(&mut connection, Event::Finished(results))?;
        let _: u64 = connection.xack(&tasks, GROUP, &[&entry.id])?;
        // Done with for good: an acknowledged entry would otherwise stay in the stream forever.
        let _: u64 = connection.xdel(&tasks, &[&entry.id])?;
    }
}

/// A reclaimed task first, else a new one; with how many times it has been delivered.
fn next_task(
    connection: &mut redis::Connection,
    tasks: &str,
    me: &str,
    lease_ms: u64,
) -> redis::RedisResult<Option<(StreamId, u64)>> {
    let options = StreamAutoClaimOptions::default().count(1);
    let claimed: StreamAutoClaimReply =
        connection.xautoclaim_options(tasks, GROUP, me, lease_ms, "0-0", options)?;
    if let Some(entry) = claimed.claimed.into_iter().next() {
        let pending: StreamPendingCountReply =
            connection.xpending_count(tasks, GROUP, &entry.id, &entry.id, 1)?;
        let delivery = pending.ids.first().map_or(2, |p| p.times_delivered as u64);
        return Ok(Some((entry, delivery)));
    }
    let options = StreamReadOptions::default()
        .group(GROUP, me)
        .count(1)
        .block(READ_BLOCK_MS);
    let read: Option<StreamReadReply> = connection.xread_options(&[tasks], &[">"], &options)?;
    let entry = read.and_then(|r| r.keys.into_iter().flat_map(|k| k.ids).next());
    Ok(entry.map(|e| (e, 1)))
}

/// Answers a frame whose tasks this worker cannot read: each fails with the reason, if the frame
/// says at least who asked.
fn refuse(
    connection: &mut redis::Connection,
    json: &str,
    me: &str,
    reason: &str,
) -> redis::RedisResult<()> {
    eprintln!("broker worker {me}: cannot read a task frame: {reason}");
    let Ok(frame) = serde_json::from_str::<TaskFrame<serde_json::Value>>(json) else {
        return Ok(());
    };
    let failed = format!("worker {me} cannot read this task: {reason}");
    let results: Vec<Result<(), String>> =
        frame.tasks.iter().map(|_| Err(failed.clone())).collect();
    let result = ResultFrame {
        id: frame.id,
        worker: me.to_string(),
        delivery: 1,
        event: Event::Finished(results),
    };
    send(connection, &frame.reply_to, &result)
}

fn send<T: Serialize>(
    connection: &mut redis::Connection,
    stream: &str,
    frame: &ResultFrame<T>,
) -> redis::RedisResult<()> {
    let json = serde_json::to_string(frame).map_err(|e| {
        redis::RedisError::from((redis::ErrorKind::TypeError, "result frame", e.to_string()))
    })?;
    let _: String = connection.xadd(stream, "*", &[(FIELD, json)])?;
    Ok(())
}

/// Keeps a running task's lease: every third of the lease, `XCLAIM ... 0 <id> JUSTID` by its own
/// worker resets the entry's idle time (without counting a delivery). If another worker took
/// the task meanwhile (this one was stalled longer than the lease), it stops: the task now runs
/// twice, and the first result to arrive wins.
struct Heartbeat {
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Heartbeat {
    fn start(
        client: &redis::Client,
        tasks: &str,
        entry: &str,
        me: &str,
        lease_ms: u64,
    ) -> redis::RedisResult<Self> {
        let mut connection = client.get_connection()?;
        let stop = Arc::new(AtomicBool::new(false));
        let (tasks, entry, me) = (tasks.to_string(), entry.to_string(), me.to_string());
        let stopped = stop.clone();
        let every = Duration::from_millis((lease_ms / 3).max(10));
        let thread = thread::spawn(move || {
            // Short naps so that the task's end stops the heartbeat promptly.
            let nap = every.min(Duration::from_millis(20));
            let mut since = Duration::ZERO;
            while !stopped.load(Ordering::SeqCst) {
                thread::sleep(nap);
                since += nap;
                if since < every {
                    continue;
                }
                since = Duration::ZERO;
                if !still_mine(&mut connection, &tasks, &entry, &me) {
                    return;
                }
                let options = StreamClaimOptions::default().with_justid();
                let _: redis::RedisResult<redis::Value> =
                    connection.xclaim_options(&tasks, GROUP, &me, 0, &[&entry], options);
            }
        });
        Ok(Heartbeat {
            stop,
            thread: Some(thread),
        })
    }
}

fn still_mine(connection: &mut redis::Connection, tasks: &str, entry: &str, me: &str) -> bool {
    let pending: redis::RedisResult<StreamPendingCountReply> =
        connection.xpending_count(tasks, GROUP, entry, entry, 1);
    pending.is_ok_and(|p| p.ids.first().is_some_and(|p| p.consumer == me))
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
