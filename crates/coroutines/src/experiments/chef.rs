//! Experiment `chef`: the article's chef, runnable. One chef (a current-thread runtime), many
//! tables (tasks); was the chef ever idle while a dish was ready?
//!
//! Python twin: `python/chef.py`. Example: `04_chef.rs`.

use std::time::Duration;

use lesson_kit::report::format_seconds;
use lesson_kit::{Claim, Outcome, Run, Source, Trace, Verdict, stopwatch};
use serde::Serialize;

use super::{LessonError, Settings};
use crate::chef::{Kitchen, Service, idle_while_ready, serve};

/// A dish waited on an idle chef if the chef did nothing for longer than this during its wait:
/// above tokio's timer resolution (1 ms: a timer fires up to a millisecond after its deadline)
/// plus a task switch (microseconds), far below a dish's cooking time.
pub const IDLE_LIMIT_S: f64 = 0.005;

#[derive(Debug, Serialize)]
pub struct Figures {
    pub kitchen: Kitchen,
    pub wall_s: f64,
    pub service: Service,
    /// For each dish, how long the chef stood idle while it was ready.
    pub idle_s: Vec<f64>,
    pub trace: Trace,
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let kitchen = Kitchen {
        tables: settings.size(4, 10),
        courses: 3,
        work: settings.size(Duration::from_millis(4), Duration::from_millis(20)),
        cooking: settings.size(Duration::from_millis(60), Duration::from_millis(600)),
    };
    let runtime = crate::runtime::current_thread().map_err(LessonError::Runtime)?;
    let trace = Trace::new();
    let (service, took) = stopwatch(|| {
        runtime.block_on(async {
            let origin = tokio::time::Instant::now() - Duration::from_secs_f64(trace.now_s());
            serve(kitchen, &trace, origin).await
        })
    });
    Ok(Figures {
        kitchen,
        wall_s: took.wall.as_secs_f64(),
        idle_s: idle_while_ready(&service.chef_busy, &service.ready_waits),
        service,
        trace,
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let k = &figures.kitchen;
    let dishes = k.tables * k.courses;
    let busy_s: f64 = figures
        .service
        .chef_busy
        .iter()
        .map(|b| b.end_s - b.start_s)
        .sum();
    let longest_wait = figures
        .service
        .ready_waits
        .iter()
        .map(|w| w.end_s - w.start_s)
        .fold(0.0, f64::max);
    Outcome::new("chef", "The chef: one cook, many tables")
        .intro(format!(
            "{} tables of {} courses. For each course the chef works {} at the table (a CPU loop), \
             the dish cooks {} on the stove (an `.await`), then the chef serves it ({} more).",
            k.tables,
            k.courses,
            format_seconds(k.work.as_secs_f64()),
            format_seconds(k.cooking.as_secs_f64()),
            format_seconds(k.work.as_secs_f64()),
        ))
        .run(Run::new(
            "one chef, every table",
            Duration::from_secs_f64(figures.wall_s),
        ))
        .trace(figures.trace.clone())
        .finding(format!(
            "The chef worked {} of the evening's {}; a ready dish waited at most {} for the chef, \
             who was serving another table meanwhile.",
            format_seconds(busy_s),
            format_seconds(figures.wall_s),
            format_seconds(longest_wait)
        ))
        .finding(format!(
            "Table by table, the evening would take at least {} of cooking alone.",
            format_seconds(k.cooking.as_secs_f64() * dishes as f64)
        ))
        .claim(one_chef_claim(figures))
        .claim(never_idle_claim(figures))
}

fn one_chef_claim(figures: &Figures) -> Claim {
    let dishes = figures.kitchen.tables * figures.kitchen.courses;
    let served = figures.service.ready_waits.len();
    let threads = figures.service.threads.len();
    Claim::new(
        "One chef serves many tables with no extra staff: one thread runs every task.",
        Source::ARTICLE,
    )
    .measured(format!(
        "{served} of {dishes} dishes served, by a chef on {threads} thread(s)."
    ))
    .verdict(if threads == 1 && served == dishes {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    })
}

fn never_idle_claim(figures: &Figures) -> Claim {
    let waited = figures
        .idle_s
        .iter()
        .filter(|&&idle| idle > IDLE_LIMIT_S)
        .count();
    Claim::new(
        "The chef never stands and waits: while any dish is ready, the chef is working.",
        Source::ARTICLE,
    )
    .measured(format!(
        "{waited} of {} dishes waited while the chef stood idle for more than {}.",
        figures.idle_s.len(),
        format_seconds(IDLE_LIMIT_S)
    ))
    .verdict(if waited == 0 {
        Verdict::Holds
    } else {
        Verdict::DoesNotHold
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chef::Stretch;

    fn figures(idle_s: Vec<f64>, threads: usize) -> Figures {
        let stretch = |start_s, end_s| Stretch { start_s, end_s };
        Figures {
            kitchen: Kitchen {
                tables: 2,
                courses: 1,
                work: Duration::from_millis(4),
                cooking: Duration::from_millis(60),
            },
            wall_s: 0.072,
            service: Service {
                chef_busy: vec![
                    stretch(0.0, 0.004),
                    stretch(0.004, 0.008),
                    stretch(0.064, 0.068),
                    stretch(0.068, 0.072),
                ],
                ready_waits: vec![stretch(0.064, 0.064), stretch(0.068, 0.068)],
                threads: (0..threads).map(|n| format!("main#{n}")).collect(),
            },
            idle_s,
            trace: Trace::virtual_time(),
        }
    }

    #[test]
    fn a_chef_on_one_thread_who_never_idled_holds_both() {
        let outcome = report(&figures(vec![0.0, 0.0], 1));
        let verdicts: Vec<_> = outcome.claims.iter().map(|c| c.verdict).collect();
        assert_eq!(verdicts, [Verdict::Holds, Verdict::Holds]);
    }

    #[test]
    fn an_idle_chef_or_a_second_thread_does_not_hold() {
        let outcome = report(&figures(vec![0.0, 0.01], 2));
        let verdicts: Vec<_> = outcome.claims.iter().map(|c| c.verdict).collect();
        assert_eq!(verdicts, [Verdict::DoesNotHold, Verdict::DoesNotHold]);
    }

    #[test]
    fn idle_time_is_the_wait_minus_the_chefs_work() {
        let stretch = |start_s, end_s| Stretch { start_s, end_s };
        let busy = [stretch(0.0, 1.0), stretch(2.0, 3.0)];
        let waits = [stretch(0.5, 1.0), stretch(0.5, 2.5), stretch(3.0, 3.5)];
        assert_eq!(idle_while_ready(&busy, &waits), [0.0, 1.0, 0.5]);
    }
}
