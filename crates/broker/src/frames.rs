//! What travels through Redis: the serde frames of the broker backend, and the names of its keys.
//!
//! A task frame carries the same registered task values as the process backend's pipes (a
//! `futures_api::tasks::Task`, or any other [`Job`](futures_api::Job)); only the road differs.
//! JSON rather than postcard: a frame is read by `redis-cli XRANGE` as easily as by a worker, and
//! its size is small beside a network round trip.

use serde::{Deserialize, Serialize};

/// The stream clients add tasks of one type to and workers of that type read from: one queue
/// per task type (`futures` for `futures_api::tasks::Task`, `images` for the multiprocessing
/// lesson's), since a worker can only run the type it was built for.
pub fn tasks_stream(queue: &str) -> String {
    format!("futures:tasks:{queue}")
}

/// The queue of `futures_api::tasks::Task`, the default.
pub const FUTURES: &str = "futures";
/// The queue of the multiprocessing lesson's `Task` (its image pipeline).
pub const IMAGES: &str = "images";
/// The consumer group of the workers: Redis gives each task to one member and remembers which
/// ones are delivered and not yet acknowledged (the group's pending entries list).
pub const GROUP: &str = "workers";
/// The field of a stream entry that holds the frame, as JSON.
pub const FIELD: &str = "frame";

/// The stream where a client's results come back: one per client, deleted at its shutdown.
pub fn results_stream(client: &str) -> String {
    format!("futures:results:{client}")
}

/// One task (or one chunk of tasks: `map(chunksize=n)`) on its way to a worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskFrame<J> {
    /// The client's id for this unit of work: the key of its future. A second result with the
    /// same id (the task ran twice) finds no future waiting and is dropped.
    pub id: u64,
    /// Where the worker adds its result frames.
    pub reply_to: String,
    /// After this many deliveries the task is not run again: it is reported as broken.
    pub max_deliveries: u64,
    /// The task, or the tasks of one chunk, in order.
    pub tasks: Vec<J>,
}

/// What a worker says about one task frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultFrame<T> {
    /// The task frame's [`TaskFrame::id`].
    pub id: u64,
    /// The worker's consumer name: `host-pid`.
    pub worker: String,
    /// How many times Redis has delivered this task, this delivery included.
    pub delivery: u64,
    pub event: Event<T>,
}

/// A worker's news about a task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event<T> {
    /// It starts running: the future becomes `running()` and can no longer be cancelled.
    Started,
    /// It ran: each task's value or its error message, in the frame's order.
    Finished(Vec<Result<T, String>>),
    /// Delivered more than `max_deliveries` times (its workers kept dying): not run again.
    GaveUp { deliveries: u64 },
}
