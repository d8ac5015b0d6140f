//! `chef` beside `python/chef.py`: the same kitchen on asyncio's loop and on tokio's current-thread
//! runtime; did a ready dish ever wait on an idle chef?

use std::time::Duration;

use anyhow::Context as _;
use lesson_kit::report::format_seconds;
use lesson_kit::{Claim, Outcome, Run, Source, Trace, Twins, Verdict};
use serde::{Deserialize, Serialize};

use crate::chef::{Kitchen, idle_while_ready, serve};
use crate::experiments::Settings;
use crate::experiments::chef::IDLE_LIMIT_S;

/// What `python/chef.py` prints.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Twin {
    pub wall_s: f64,
    pub dishes: usize,
    pub threads: usize,
    /// For each dish, how long the chef stood idle while it was ready.
    pub idle_s: Vec<f64>,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub cpython: Twin,
    pub rust_wall_s: f64,
    pub rust_idle_s: Vec<f64>,
}

pub fn measure(_settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let kitchen = Kitchen {
        tables: 4,
        courses: 3,
        work: Duration::from_millis(4),
        cooking: Duration::from_millis(60),
    };
    let args = [
        format!("--tables={}", kitchen.tables),
        format!("--courses={}", kitchen.courses),
        format!("--work-ms={}", kitchen.work.as_millis()),
        format!("--cooking-ms={}", kitchen.cooking.as_millis()),
    ];
    let cpython: Twin = twins.run("chef.py", &args).context("python/chef.py")?;
    let runtime = crate::runtime::current_thread()?;
    let started = std::time::Instant::now();
    let service = runtime.block_on(serve(kitchen, &Trace::new(), tokio::time::Instant::now()));
    Ok(Figures {
        python: twins.version.clone(),
        cpython,
        rust_wall_s: started.elapsed().as_secs_f64(),
        rust_idle_s: idle_while_ready(&service.chef_busy, &service.ready_waits),
    })
}

fn waited(idle_s: &[f64]) -> usize {
    idle_s.iter().filter(|&&idle| idle > IDLE_LIMIT_S).count()
}

pub fn report(figures: &Figures) -> Outcome {
    let python = &figures.cpython;
    Outcome::new("compare-chef", "The chef: asyncio beside tokio")
        .run(Run::new(
            format!("{}: one chef", figures.python),
            Duration::from_secs_f64(python.wall_s),
        ))
        .run(Run::new(
            "Rust: one chef",
            Duration::from_secs_f64(figures.rust_wall_s),
        ))
        .claim(
            Claim::new(
                "The chef never stands and waits: while any dish is ready, the chef is working.",
                Source::ARTICLE,
            )
            .measured(format!(
                "CPython: {} of {} dishes waited on an idle chef for more than {} (on {} thread); \
                 Rust: {} of {}.",
                waited(&python.idle_s),
                python.dishes,
                format_seconds(IDLE_LIMIT_S),
                python.threads,
                waited(&figures.rust_idle_s),
                figures.rust_idle_s.len()
            ))
            .verdict(if waited(&python.idle_s) == 0 && python.threads == 1 {
                Verdict::Holds
            } else {
                Verdict::DoesNotHold
            }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(idle_s: Vec<f64>) -> Figures {
        Figures {
            python: "Python 3.11.7".into(),
            cpython: Twin {
                wall_s: 0.25,
                dishes: idle_s.len(),
                threads: 1,
                idle_s,
            },
            rust_wall_s: 0.25,
            rust_idle_s: vec![0.0; 2],
        }
    }

    #[test]
    fn a_chef_never_idle_holds_and_one_idle_wait_does_not() {
        assert_eq!(
            report(&figures(vec![0.0003, 0.001])).claims[0].verdict,
            Verdict::Holds
        );
        assert_eq!(
            report(&figures(vec![0.0003, 0.02])).claims[0].verdict,
            Verdict::DoesNotHold
        );
    }
}
