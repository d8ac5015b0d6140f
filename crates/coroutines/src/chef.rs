//! The chef: one cook (one thread) and many tables (tasks), runnable.
//!
//! Each table orders a few courses in turn. For each course the chef does a little real work at
//! the table (takes the order: a short CPU loop, not a sleep), puts the dish on the stove (an
//! `.await` on a timer: the chef walks away) and, once it is cooked, serves it (more real work).
//! Tokio is the kitchen's routine: whichever dish is ready, the chef goes to it next.
//!
//! What is recorded answers one question: was the chef ever idle while a dish was ready? Each
//! dish's wait, from cooked to picked up, is compared with the chef's busy stretches: a wait the
//! chef spent serving other tables is fine; a wait during which the chef did nothing is not.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use lesson_kit::{State, Trace};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::lag::seconds_since;

/// The kitchen's sizes.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Kitchen {
    pub tables: usize,
    pub courses: usize,
    /// How long the chef works at a table, taking an order or serving a dish (CPU time).
    pub work: Duration,
    /// How long a dish cooks: the stove's work, not the chef's.
    pub cooking: Duration,
}

/// A stretch of time, in seconds from the start of service.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stretch {
    pub start_s: f64,
    pub end_s: f64,
}

/// What the evening looked like.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Service {
    /// When the chef worked, in order.
    pub chef_busy: Vec<Stretch>,
    /// Each dish's wait from cooked to picked up by the chef.
    pub ready_waits: Vec<Stretch>,
    /// Which threads the chef worked on (one, on a current-thread runtime).
    pub threads: Vec<String>,
}

/// Runs the evening on the current runtime: one task per table, every task on this thread.
/// `origin` is tokio's instant of the trace's time zero.
pub async fn serve(kitchen: Kitchen, trace: &Trace, origin: Instant) -> Service {
    // `Rc<RefCell>`, not `Arc<Mutex>`: every table runs on this one thread (`spawn_local`), as
    // every coroutine runs on asyncio's one thread, and no lock is needed to share the log.
    let log = Rc::new(RefCell::new(Service::default()));
    let tables = tokio::task::LocalSet::new();
    for table in 1..=kitchen.tables {
        let (log, trace) = (Rc::clone(&log), trace.clone());
        tables.spawn_local(async move {
            for _ in 0..kitchen.courses {
                chef_works(&log, &trace, origin, kitchen.work);
                let cooked = Instant::now() + kitchen.cooking;
                let on_stove = seconds_since(origin);
                tokio::time::sleep_until(cooked).await;
                let picked_up = seconds_since(origin);
                let lane = format!("table {table}");
                let ready_s = cooked.duration_since(origin).as_secs_f64();
                trace.record(&lane, State::WaitingForIo, on_stove, ready_s);
                if picked_up > ready_s {
                    trace.record(&lane, State::Idle, ready_s, picked_up);
                }
                log.borrow_mut().ready_waits.push(Stretch {
                    start_s: ready_s,
                    end_s: picked_up,
                });
                chef_works(&log, &trace, origin, kitchen.work);
            }
        });
    }
    tables.await;
    Rc::try_unwrap(log)
        .map(RefCell::into_inner)
        .unwrap_or_else(|log| log.borrow().clone())
}

/// The chef at a table: real work on this thread, for `work`.
fn chef_works(log: &Rc<RefCell<Service>>, trace: &Trace, origin: Instant, work: Duration) {
    let start_s = seconds_since(origin);
    spin(work);
    let end_s = seconds_since(origin);
    let thread = crate::fetch::thread_name();
    trace.record(&format!("chef on {thread}"), State::Running, start_s, end_s);
    let mut log = log.borrow_mut();
    log.chef_busy.push(Stretch { start_s, end_s });
    if !log.threads.contains(&thread) {
        log.threads.push(thread);
    }
}

/// A CPU loop for `work` of real time (std's clock: on a paused tokio clock, as in the tests, the
/// work takes no tokio time at all, and the ordering is what is checked).
pub fn spin(work: Duration) {
    let until = std::time::Instant::now() + work;
    while std::time::Instant::now() < until {
        std::hint::spin_loop();
    }
}

/// How long the chef stood idle during each dish's wait: the wait minus the part of it the chef
/// spent working. `busy` must be in time order and not overlap (one chef).
pub fn idle_while_ready(busy: &[Stretch], waits: &[Stretch]) -> Vec<f64> {
    waits
        .iter()
        .map(|wait| {
            let working: f64 = busy
                .iter()
                .map(|b| (b.end_s.min(wait.end_s) - b.start_s.max(wait.start_s)).max(0.0))
                .sum();
            (wait.end_s - wait.start_s - working).max(0.0)
        })
        .collect()
}
