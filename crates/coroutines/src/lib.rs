//! # Coroutines: one thread, many waiting tasks (asyncio, rebuilt on tokio)
//!
//! asyncio runs coroutines on one thread: an event loop resumes whichever is ready, and a
//! coroutine gives the thread back at each `await`. tokio is the same machine for Rust: an
//! `async fn` is a coroutine, a task is what `asyncio.create_task` makes, and a *current-thread*
//! runtime is asyncio's loop ([`runtime`]). This lesson measures what follows:
//!
//! 1. **gather** ([`gather`](mod@gather), [`fetch`]): three waits on one thread take one wait;
//!    `gather` keeps argument order and lets the siblings of a failure run on, a task group
//!    cancels them.
//! 2. **how many** ([`many`]): what a task costs next to a thread, and the ways to wait for a
//!    million of them.
//! 3. **blocking** ([`lag`]): one blocking call stalls every task on the thread; a loop-lag
//!    monitor shows by how much, and the fixes side by side.
//! 4. **the chef** ([`chef`]): one cook, many tables, never idle while a dish is ready.
//! 5. **cancel** ([`cancel`]): dropping a future cancels it; timeouts, handles, and a read that
//!    loses data inside `select!`.
//! 6. **servers** ([`servers`]): a thread per connection against a task per connection, under
//!    the same load of many slow clients.
//!
//! [`experiments`] holds each experiment's `measure` and `report`; `src/main.rs` is the tour.

pub mod allocator;
pub mod cancel;
pub mod chef;
pub mod experiments;
pub mod fetch;
pub mod gather;
pub mod lag;
pub mod many;
pub mod runtime;
pub mod servers;

pub use gather::{TaskError, gather, gather_return_exceptions, task_group};
