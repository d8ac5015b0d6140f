//! `completion-order` beside `python/completion_order.py`: five downloads submitted slowest first,
//! the first result through `map` and through `as_completed`, CPython and Rust in turns.

use anyhow::Context as _;
use lesson_kit::{DelayServer, Outcome, Twins, alternate};
use serde::{Deserialize, Serialize};

use super::both_sides;
use crate::ThreadPoolExecutor;
use crate::experiments::Settings;
use crate::experiments::completion_order::{
    Arrivals, delays, downloads, with_as_completed, with_map,
};

/// What `python/completion_order.py` prints; the Rust side fills the same figures.
#[derive(Debug, Deserialize, Serialize)]
pub struct FirstResults {
    pub map_first_s: f64,
    pub as_completed_first_s: f64,
    /// Positions in submission order, in the order `as_completed` handed them over.
    pub as_completed_order: Vec<usize>,
}

#[derive(Debug, Serialize)]
pub struct Figures {
    pub python: String,
    pub delays_s: Vec<f64>,
    pub cpython: Vec<FirstResults>,
    pub rust: Vec<FirstResults>,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let server = DelayServer::start()?;
    let delays = delays(settings);
    let tasks = downloads(&server, &delays);
    let executor = ThreadPoolExecutor::new(tasks.len());
    let unit = delays.last().map_or(0, |d| d.as_millis());
    let args = [server.base_url(), format!("--unit-ms={unit}")];
    let checked = |arrivals: Arrivals| match arrivals.failure {
        Some(failure) => Err(anyhow::Error::msg(failure)),
        None => Ok(arrivals),
    };
    let rust = || -> anyhow::Result<FirstResults> {
        let by_map = checked(with_map(&executor, &tasks))?;
        let by_completion = checked(with_as_completed(&executor, &tasks))?;
        Ok(FirstResults {
            map_first_s: by_map.first_s,
            as_completed_first_s: by_completion.first_s,
            as_completed_order: by_completion.order,
        })
    };
    let python =
        || -> anyhow::Result<FirstResults> { Ok(twins.run("completion_order.py", &args)?) };
    let [cpython, rust] = alternate(settings.repeat, [&mut || python(), &mut || rust()]);
    Ok(Figures {
        python: twins.version.clone(),
        delays_s: delays.iter().map(|d| d.as_secs_f64()).collect(),
        cpython: cpython
            .into_iter()
            .collect::<anyhow::Result<_>>()
            .context("python/completion_order.py")?,
        rust: rust.into_iter().collect::<anyhow::Result<_>>()?,
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let mut outcome = Outcome::new(
        "compare-completion-order",
        "as_completed: CPython beside Rust",
    )
    .intro(format!(
        "{} downloads submitted slowest first ({:?} s), all at once on one thread pool: the \
         time to the first result through `map` and through `as_completed`, {} \
         (python/completion_order.py) and Rust, in turns.",
        figures.delays_s.len(),
        figures.delays_s,
        figures.python
    ));
    let rows: [(&str, Pick); 2] = [
        ("map: first result", |r| r.map_first_s),
        ("as_completed: first result", |r| r.as_completed_first_s),
    ];
    let runs = [figures.cpython.as_slice(), figures.rust.as_slice()];
    for (label, pick) in rows {
        outcome = both_sides(outcome, "completion-order", label, runs, pick);
    }
    for (language, runs) in [("CPython", &figures.cpython), ("Rust", &figures.rust)] {
        let orders: Vec<&Vec<usize>> = runs.iter().map(|r| &r.as_completed_order).collect();
        outcome = outcome.finding(format!(
            "{language}: as_completed handed the futures over in the order {orders:?} \
             (positions in submission order)."
        ));
    }
    outcome
}

/// Which figure of a run a row shows.
type Pick = fn(&FirstResults) -> f64;

#[cfg(test)]
mod tests {
    use super::*;

    fn first(map_first_s: f64) -> FirstResults {
        FirstResults {
            map_first_s,
            as_completed_first_s: 0.06,
            as_completed_order: vec![4, 3, 2, 1, 0],
        }
    }

    #[test]
    fn two_typed_pairs_and_each_languages_order() {
        let figures = Figures {
            python: "Python 3.11.7".into(),
            delays_s: vec![0.3, 0.24, 0.18, 0.12, 0.06],
            cpython: vec![first(0.31)],
            rust: vec![first(0.30)],
        };
        let outcome = report(&figures);
        assert_eq!(outcome.runs.len(), 4);
        assert_eq!(outcome.versus.len(), 2);
        assert_eq!(outcome.versus[0].cpython.values, [0.31]);
        assert_eq!(outcome.versus[1].timed, "as_completed: first result");
        assert!(
            outcome.findings[1].contains("[[4, 3, 2, 1, 0]]"),
            "{}",
            outcome.findings[1]
        );
    }
}
