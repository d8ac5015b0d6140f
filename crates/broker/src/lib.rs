//! # Beyond one machine: the same `Executor` on a real broker
//!
//! The futures-api lesson put one API (`submit`, `map`, `as_completed`, `shutdown`) in front of
//! threads and processes. This lesson adds a third backend whose workers can run on any machine
//! that reaches a Redis server: [`RedisExecutor`]. Tasks are the same registered serde values;
//! they travel through a Redis Stream read by a consumer group, and results come back through a
//! stream per client.
//!
//! What a broker adds, and what this lesson measures rather than claims:
//! - **At-least-once delivery.** A task is acknowledged after its result is sent, so a worker that
//!   dies mid-task leaves it pending; another worker claims it once its lease runs out
//!   (`XAUTOCLAIM`). The price: a task can run twice. A task id makes the second result harmless.
//! - **A lease kept alive** while a task runs (the worker re-claims its own task every third of
//!   the lease), so a long task is not taken from a live worker.
//! - **Never lost, never hung**: after `max_deliveries` the task is reported as `BrokenExecutor`.
//! - **The cost**: a round trip through Redis per task, measured against the process pool.
//!
//! The tour (`cargo run -p broker`): `cost` and `images` (the CPU snippet and the image pipeline,
//! the same calls on the process pool and on Redis), `killed-worker`, and `compare` (Dask's
//! executor, the Python twin). `cargo run -p broker -- worker --redis URL` is a worker.

pub mod executor;
pub mod experiments;
pub mod frames;
pub mod gate;
pub mod local;
pub mod worker;

pub use executor::{RedisExecutor, RedisOptions};
pub use local::{LocalRedis, LocalWorkers, WorkerOptions};
