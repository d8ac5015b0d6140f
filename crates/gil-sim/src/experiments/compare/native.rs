//! `native` beside `python/native.py`: native code on threads. gil-sim blurs images in turn and
//! on threads, keeping the GIL and releasing it; the twin uses Pillow if it is installed, and
//! hashlib on large and small chunks otherwise.

use anyhow::Context as _;
use lesson_kit::{Missing, Outcome, Skipped, Twins};
use serde::{Deserialize, Serialize};

use super::{Pair, Row, in_turns, intro, once, rows_outcome};
use crate::experiments::{Settings, native};

/// What `python/native.py` prints.
#[derive(Debug, Deserialize)]
struct Twin {
    cases: Vec<TwinCase>,
}

#[derive(Debug, Deserialize)]
struct TwinCase {
    label: String,
    /// hashlib's chunk size; `None` for Pillow.
    chunk_bytes: Option<u64>,
    in_turn_s: f64,
    threads_s: f64,
}

/// hashlib keeps the GIL for data of this many bytes or fewer (`HASHLIB_GIL_MINSIZE` is 2048).
pub const HASHLIB_KEEPS_THE_GIL_UP_TO: u64 = 2047;

/// One of the twin's cases (Pillow's blur, or hashlib on one chunk size), over the turns.
#[derive(Debug, Serialize)]
pub struct Case {
    pub label: String,
    pub chunk_bytes: Option<u64>,
    /// In turn, then on threads: a pair per turn.
    pub cpython: Vec<Pair>,
}

impl Case {
    /// Small hashlib chunks keep the GIL: they are held against gil-sim's kept filter.
    fn keeps_the_gil(&self) -> bool {
        self.chunk_bytes
            .is_some_and(|b| b <= HASHLIB_KEEPS_THE_GIL_UP_TO)
    }
}

#[derive(Debug, Serialize)]
pub struct Figures {
    /// `Python 3.11.7`.
    pub python: String,
    pub turns: usize,
    pub images: usize,
    pub side: usize,
    pub cases: Vec<Case>,
    /// gil-sim's blur in turn, then on threads keeping the GIL: a pair per turn.
    pub kept: Vec<Pair>,
    /// The same, the threads releasing it.
    pub released: Vec<Pair>,
    pub model_kept: Pair,
    pub model_released: Pair,
}

pub fn measure(settings: &Settings, twins: &Twins) -> anyhow::Result<Figures> {
    let once = once(settings);
    let side = native::side(&once);
    let args = [
        format!("--images={}", native::IMAGES),
        format!("--side={side}"),
        format!("--passes={}", native::PASSES),
        format!("--bytes-each={}", once.size(8usize << 20, 64 << 20)),
    ];
    let turns = in_turns::<Twin, _>(settings, twins, "native.py", &args, || {
        native::measure(&once)
    })?;
    let (cpython, gil_sim) = (&turns.cpython, &turns.gil_sim);
    let last = gil_sim.last().context("no turn ran")?;
    let pairs = |threads: fn(&native::Figures) -> f64| -> Vec<Pair> {
        let pair = |f: &native::Figures| Pair::new(f.in_turn.wall_s(), threads(f));
        gil_sim.iter().map(pair).collect()
    };
    Ok(Figures {
        python: twins.version.clone(),
        turns: cpython.len(),
        images: native::IMAGES,
        side,
        cases: cases(cpython),
        kept: pairs(|f| f.kept.wall_s()),
        released: pairs(|f| f.released.wall_s()),
        model_kept: Pair::new(last.in_turn.wall_s(), last.model.kept_s),
        model_released: Pair::new(last.in_turn.wall_s(), last.model.released_s),
    })
}

/// The cases of the first turn, each with its pairs over every turn that ran it.
fn cases(turns: &[Twin]) -> Vec<Case> {
    let Some(first) = turns.first() else {
        return Vec::new();
    };
    let of = |case: &TwinCase| Case {
        label: case.label.clone(),
        chunk_bytes: case.chunk_bytes,
        cpython: turns
            .iter()
            .filter_map(|t| t.cases.iter().find(|c| c.label == case.label))
            .map(|c| Pair::new(c.in_turn_s, c.threads_s))
            .collect(),
    };
    first.cases.iter().map(of).collect()
}

pub fn report(figures: &Figures) -> Outcome {
    let side = figures.side;
    let what = format!(
        "{} images of {side}×{side} blurred in turn and on threads by gil-sim; the twin uses \
         Pillow if it is installed, and hashlib on large and small chunks otherwise (hashlib \
         releases the GIL only for data larger than {HASHLIB_KEEPS_THE_GIL_UP_TO} bytes).",
        figures.images
    );
    let rows = figures
        .cases
        .iter()
        .map(|case| row(figures, case))
        .collect();
    let outcome = rows_outcome(
        "native",
        "Native code on threads: CPython beside gil-sim",
        intro(&figures.python, "native.py", figures.turns, &what),
        rows,
    );
    // Without Pillow the twin still runs, on hashlib: Pillow's own filter is what was skipped.
    if figures.cases.iter().any(|case| case.chunk_bytes.is_none()) {
        outcome
    } else {
        outcome.skipped(Skipped::new(
            "Pillow's blur (hashlib stood in)",
            Missing::Pillow,
        ))
    }
}

/// One case of the twin, held against gil-sim's filter that does the same with the GIL.
fn row(figures: &Figures, case: &Case) -> Row {
    let (ours, gil_sim, model) = if case.keeps_the_gil() {
        ("GIL kept", &figures.kept, figures.model_kept)
    } else {
        ("GIL released", &figures.released, figures.model_released)
    };
    let label = format!(
        "{}, {} threads: speedup (gil-sim: {ours})",
        case.label, figures.images
    );
    Row::speedups(label, &case.cpython, gil_sim, model)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(label: &str, chunk_bytes: Option<u64>, speedup: f64) -> Case {
        Case {
            label: label.into(),
            chunk_bytes,
            cpython: vec![Pair::new(0.4, 0.4 / speedup); 2],
        }
    }

    fn figures(cases: Vec<Case>) -> Figures {
        Figures {
            python: "Python 3.11.7".into(),
            turns: 2,
            images: 4,
            side: 512,
            cases,
            kept: vec![Pair::new(0.4, 0.41); 2],
            released: vec![Pair::new(0.4, 0.11); 2],
            model_kept: Pair::new(0.4, 0.4),
            model_released: Pair::new(0.4, 0.1),
        }
    }

    #[test]
    fn small_chunks_are_held_against_the_kept_filter_large_ones_against_the_released() {
        let outcome = report(&figures(vec![
            case("hashlib, 64 KiB chunks", Some(65_536), 3.7),
            case("hashlib, 2047 B chunks", Some(2047), 1.0),
            case("hashlib, 2048 B chunks", Some(2048), 3.7),
        ]));
        let labels: Vec<&str> = outcome.runs.iter().map(|r| r.label.as_str()).collect();
        assert!(labels[0].ends_with("(gil-sim: GIL released)"), "{labels:?}");
        assert!(labels[1].ends_with("(gil-sim: GIL kept)"), "{labels:?}");
        assert!(labels[2].ends_with("(gil-sim: GIL released)"), "{labels:?}");
        assert_eq!(
            outcome.skipped[0].missing,
            Missing::Pillow,
            "hashlib stood in"
        );
        assert!(
            outcome.findings[0].contains("3 of 3"),
            "{:?}",
            outcome.findings
        );
    }

    #[test]
    fn pillow_has_no_chunk_and_releases_the_gil() {
        let outcome = report(&figures(vec![case("Pillow BoxBlur", None, 1.5)]));
        assert!(outcome.runs[0].label.ends_with("(gil-sim: GIL released)"));
        assert!(outcome.skipped.is_empty(), "Pillow ran");
        assert!(
            outcome.findings[0].contains("0 of 1"),
            "{:?}",
            outcome.findings
        );
    }

    #[test]
    fn each_case_gathers_its_pairs_over_the_turns() {
        let turn = |threads_s: f64| Twin {
            cases: vec![TwinCase {
                label: "hashlib".into(),
                chunk_bytes: Some(65_536),
                in_turn_s: 0.4,
                threads_s,
            }],
        };
        let cases = cases(&[turn(0.1), turn(0.2)]);
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].cpython, [Pair::new(0.4, 0.1), Pair::new(0.4, 0.2)]);
    }
}
