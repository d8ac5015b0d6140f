//! Cancellation: in Rust, dropping a future is cancelling it.
//!
//! asyncio cancels a task by throwing `CancelledError` into it at its `await`; its `finally`
//! blocks and `async with` exits run, and may even `await`. A Rust future is cancelled by being
//! dropped: it is simply never polled again, and what runs is its values' `Drop`, synchronously,
//! with no `.await` possible. Everything here builds on that one fact:
//!
//! - timeouts ([`timeout_then_cleanup`]): `tokio::time::timeout` (`asyncio.timeout`,
//!   `asyncio.wait_for`) drops the slow future when time is up, and its guard's `Drop` is the
//!   `finally`;
//! - handles ([`what_handles_do_when_dropped`]): a dropped `JoinHandle` detaches its task, a
//!   dropped `JoinSet` aborts its tasks (tokio#7222);
//! - cancellation safety ([`receive_frames`]): `select!` drops the branches that lost; a future
//!   that had already taken half a message when it was dropped loses that half.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// What happened, in order, when a slow operation was given less time than it needed.
pub async fn timeout_then_cleanup(limit: Duration, needs: Duration) -> Vec<String> {
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let say = |log: &Arc<std::sync::Mutex<Vec<String>>>, line: &str| {
        if let Ok(mut log) = log.lock() {
            log.push(line.to_string());
        }
    };
    let slow = {
        let log = Arc::clone(&log);
        async move {
            // The guard's `Drop` runs however this future ends: finished, or dropped mid-sleep.
            let _cleanup = OnDrop(move || say(&log, "cleanup ran (Drop)"));
            tokio::time::sleep(needs).await;
            "finished"
        }
    };
    match tokio::time::timeout(limit, slow).await {
        Ok(value) => say(&log, value),
        Err(_elapsed) => say(&log, "timed out"),
    }
    log.lock().map(|log| log.clone()).unwrap_or_default()
}

/// Runs a closure when dropped: the `finally:` of a future.
struct OnDrop<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

/// Whether a task finished after its handle was dropped (or aborted) before it could.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandleFates {
    /// `drop(tokio::spawn(task))`: detached, it runs on (like a Python task nobody awaits, which
    /// asyncio may garbage-collect instead: cpython#117379).
    pub join_handle_dropped: bool,
    /// `drop(join_set)`: its tasks are aborted.
    pub join_set_dropped: bool,
    /// `handle.abort()`: `task.cancel()`.
    pub aborted: bool,
}

/// Starts three tasks that each need `work`, lets go of each in a different way at once, waits
/// twice as long and says which finished.
pub async fn what_handles_do_when_dropped(work: Duration) -> HandleFates {
    let task = |done: Arc<AtomicBool>| async move {
        tokio::time::sleep(work).await;
        done.store(true, Ordering::SeqCst);
    };
    let flags: [Arc<AtomicBool>; 3] = Default::default();

    drop(tokio::spawn(task(Arc::clone(&flags[0]))));
    let mut set = JoinSet::new();
    set.spawn(task(Arc::clone(&flags[1])));
    drop(set);
    tokio::spawn(task(Arc::clone(&flags[2]))).abort();

    tokio::time::sleep(work * 2).await;
    let [detached, in_set, aborted] = flags.map(|f| f.load(Ordering::SeqCst));
    HandleFates {
        join_handle_dropped: detached,
        join_set_dropped: in_set,
        aborted,
    }
}

/// Half of a frame: a message sent in two parts, as a length and then a body arrive on a socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Half {
    pub frame: u32,
    pub part: u8,
}

/// **Not cancel-safe.** Reads the two halves of the next frame. If it is dropped between the
/// two `recv`s, the first half it took from the channel is dropped with it: the data is gone.
/// (`AsyncReadExt::read_exact` is not cancel-safe for the same reason; `recv` and `read` are.)
pub async fn read_frame(halves: &mut mpsc::Receiver<Half>) -> Option<(Half, Half)> {
    let first = halves.recv().await?;
    let second = halves.recv().await?;
    Some((first, second))
}

/// **Cancel-safe.** The half already received is kept in `self`, outside the future that
/// `select!` may drop, so a cancelled read resumes where it stopped.
#[derive(Default)]
pub struct FrameReader {
    first: Option<Half>,
}

impl FrameReader {
    pub async fn read_frame(&mut self, halves: &mut mpsc::Receiver<Half>) -> Option<(Half, Half)> {
        if self.first.is_none() {
            self.first = Some(halves.recv().await?);
        }
        let second = halves.recv().await?;
        Some((self.first.take()?, second))
    }
}

/// What the receiving loop got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    pub sent: u32,
    /// Frames whose two halves arrived together, in order.
    pub whole: u32,
    /// Frames that came out torn: halves of two different frames paired up, or one half lost.
    pub torn: u32,
    /// Heartbeats the loop handled between frames (each one a cancelled read).
    pub heartbeats: u32,
}

/// A loop that `select!`s between the next frame and a heartbeat, as a server loop does. The
/// sender sends `frames` frames, `gap` between halves; the heartbeat ticks every `tick`.
pub async fn receive_frames(
    cancel_safe: bool,
    frames: u32,
    gap: Duration,
    tick: Duration,
) -> Received {
    let (send, mut halves) = mpsc::channel(16);
    tokio::spawn(async move {
        for frame in 0..frames {
            for part in 0..2 {
                if send.send(Half { frame, part }).await.is_err() {
                    return;
                }
                tokio::time::sleep(gap).await;
            }
        }
    });
    let mut heartbeat = tokio::time::interval(tick);
    let mut reader = FrameReader::default();
    let mut received = Received {
        sent: frames,
        ..Received::default()
    };
    loop {
        let frame = tokio::select! {
            frame = read_frame_with(cancel_safe, &mut reader, &mut halves) => frame,
            _ = heartbeat.tick() => {
                received.heartbeats += 1;
                continue;
            }
        };
        match frame {
            Some((a, b)) if a.frame == b.frame && (a.part, b.part) == (0, 1) => received.whole += 1,
            Some(_) => received.torn += 1,
            None => break,
        }
    }
    received.torn = received.sent - received.whole;
    received
}

async fn read_frame_with(
    cancel_safe: bool,
    reader: &mut FrameReader,
    halves: &mut mpsc::Receiver<Half>,
) -> Option<(Half, Half)> {
    if cancel_safe {
        reader.read_frame(halves).await
    } else {
        read_frame(halves).await
    }
}
