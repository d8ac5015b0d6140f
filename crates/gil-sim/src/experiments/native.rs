//! Experiment `native`: image processing on threads. The common claim is that threads cannot
//! help it, since it is CPU-bound; but image libraries do the work in native code, and native code
//! may release the GIL while it works, as Pillow does around its filters and hashlib does for
//! buffers over 2047 bytes. Held, the GIL makes the threads take turns; released, they scale.
//!
//! Python twin: `python/native.py` (Pillow if installed, hashlib otherwise). Example:
//! `examples/08_native_detach.rs`.

use std::time::Duration;

use lesson_kit::report::faster_or_slower;
use lesson_kit::{
    Claim, Figure, Outcome, Run, Samples, Source, State, Timing, Trace, Verdict, alternate,
};
use serde::Serialize;

use super::cpu_bound::parallel_verdict;
use super::sources::HASHLIB_DOCS;
use super::{
    LessonError, MODEL_COLUMN, ModelCosts, Settings, last_trace, model_note, python_threads, timing,
};
use crate::model::{self, ThreadSpec};
use crate::{DEFAULT_SWITCH_INTERVAL, Mode};

/// How many images, and threads (the article's "4 images").
pub const IMAGES: usize = 4;

/// How many times each image is blurred.
pub const PASSES: u32 = 4;

/// The images' side in pixels: 512 by default, the article's 2048 with `--full`.
pub fn side(settings: &Settings) -> usize {
    settings.size(512, 2048)
}

/// What `measure` found.
#[derive(Debug, Serialize)]
pub struct Figures {
    pub images: usize,
    pub side: usize,
    pub passes: u32,
    /// One thread filters the images one after another.
    pub in_turn: Timing,
    /// One thread per image, the filter keeping the GIL.
    pub kept: Timing,
    /// One thread per image, the filter inside `py.detach`.
    pub released: Timing,
    pub model: Predictions,
    pub costs: ModelCosts,
    /// The timeline of the last run with the GIL kept.
    pub trace: Trace,
}

/// The model's predictions, in virtual seconds, for calls as long as one measured in turn.
#[derive(Debug, Serialize)]
pub struct Predictions {
    pub kept_s: f64,
    pub released_s: f64,
}

/// A native image filter, as Pillow's C code is: a 3×3 box blur of a `side`×`side` grayscale
/// image, `passes` times over. It touches no Python object, so it needs no GIL.
pub fn blur(image: &[u8], side: usize, passes: u32) -> Vec<u8> {
    let mut current = image.to_vec();
    let mut next = vec![0u8; current.len()];
    for _ in 0..passes {
        for y in 0..side {
            for x in 0..side {
                // The pixel and its neighbours, clamped at the edges.
                let (mut sum, mut count) = (0u32, 0u32);
                for ny in y.saturating_sub(1)..=(y + 1).min(side - 1) {
                    for nx in x.saturating_sub(1)..=(x + 1).min(side - 1) {
                        sum += u32::from(current[ny * side + nx]);
                        count += 1;
                    }
                }
                next[y * side + x] = (sum / count) as u8;
            }
        }
        std::mem::swap(&mut current, &mut next);
    }
    current
}

/// A `side`×`side` image of noise, the same every time.
pub fn noise(side: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..side * side)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

pub fn measure(settings: &Settings) -> Result<Figures, LessonError> {
    let side = side(settings);
    let images: Vec<Vec<u8>> = (0..IMAGES).map(|i| noise(side, i as u64 + 1)).collect();
    let interval = DEFAULT_SWITCH_INTERVAL;
    let [in_turn, kept, released] = alternate(
        settings.repeat,
        [
            &mut || {
                python_threads(Mode::Cpython312, interval, 1, |_py, _| {
                    for image in &images {
                        std::hint::black_box(blur(image, side, PASSES));
                    }
                })
            },
            // A C extension that never calls Py_BEGIN_ALLOW_THREADS: it keeps the GIL.
            &mut || {
                python_threads(Mode::Cpython312, interval, IMAGES, |_py, i| {
                    std::hint::black_box(blur(&images[i], side, PASSES));
                })
            },
            // Pillow's way: release the GIL around the filter, take it back for the result.
            &mut || {
                python_threads(Mode::Cpython312, interval, IMAGES, |py, i| {
                    let image = &images[i];
                    let blurred = py.detach_as(State::Running, || blur(image, side, PASSES));
                    std::hint::black_box(blurred);
                })
            },
        ],
    );
    let config = &settings.lesson.model;
    let in_turn = timing(&in_turn);
    let call = Duration::from_secs_f64(in_turn.wall_s() / IMAGES as f64);
    let predict = |spec: ThreadSpec| {
        model::simulate(config, &vec![spec; IMAGES])
            .total
            .as_secs_f64()
    };
    Ok(Figures {
        images: IMAGES,
        side,
        passes: PASSES,
        in_turn,
        released: timing(&released),
        model: Predictions {
            kept_s: predict(ThreadSpec::new().native_holding_gil(call)),
            released_s: predict(ThreadSpec::new().native_detached(call)),
        },
        costs: ModelCosts::of(config),
        trace: last_trace(&kept),
        kept: timing(&kept),
    })
}

pub fn report(figures: &Figures) -> Outcome {
    let (n, side) = (figures.images, figures.side);
    let kept = Samples::ratios(&figures.in_turn.wall, &figures.kept.wall);
    let released = Samples::ratios(&figures.in_turn.wall, &figures.released.wall);
    let [in_turn, kept_run, released_run] = runs(figures);
    Outcome::new(
        "native",
        "Image processing on threads: native code can release the GIL",
    )
    .intro(format!(
        "{n} images of {side}×{side} pixels, each blurred {} times by a native filter (a 3×3 box \
         blur in Rust, standing for Pillow's C code).",
        figures.passes
    ))
    .intro(format!(
        "One Python thread filters them in turn; then {n} threads filter one each, first with \
         the filter keeping the GIL (a C extension that never releases it, or hashlib on data of \
         2047 bytes or less), then inside py.detach (Pillow, or hashlib on larger data)."
    ))
    .intro(model_note(&figures.costs))
    .run(in_turn)
    .run(kept_run)
    .run(released_run)
    .speedups_against("in turn")
    .trace(figures.trace.clone())
    .finding(kept_finding(n, &kept))
    .finding(released_finding(figures.costs.cores, &released))
    .claim(image_claim(n, &kept, &released))
    .claim(native_claim(figures, &kept, &released))
}

/// The table: in turn, then the threads keeping the GIL and releasing it, the model beside.
fn runs(figures: &Figures) -> [Run; 3] {
    let (n, model) = (figures.images, &figures.model);
    [
        Run::timed("in turn", &figures.in_turn),
        Run::timed(format!("{n} threads, GIL kept"), &figures.kept)
            .figure(MODEL_COLUMN, Figure::Seconds(model.kept_s)),
        Run::timed(format!("{n} threads, GIL released"), &figures.released)
            .figure(MODEL_COLUMN, Figure::Seconds(model.released_s)),
    ]
}

fn kept_finding(n: usize, kept: &Samples) -> String {
    if kept.median() < 1.2 {
        format!(
            "Keeping the GIL, the {n} filters ran one after another ({kept} the speed of the \
             loop): native code passes no checkpoint, so no drop request can interrupt it."
        )
    } else {
        format!("Keeping the GIL, the {n} filters still ran at {kept} the speed of the loop.")
    }
}

fn released_finding(cores: usize, released: &Samples) -> String {
    format!(
        "Releasing it, they were {} than the loop ({released}) on {cores} cores{}",
        faster_or_slower(released.median()),
        if released.median() >= 1.3 {
            ": CPU-bound threads, running in parallel."
        } else {
            "."
        }
    )
}

fn image_claim(n: usize, kept: &Samples, released: &Samples) -> Claim {
    Claim::new(
        "Threads do not help CPU-bound work such as image processing: the GIL runs one thread at \
         a time, so it takes as long as doing the images one after another.",
        Source::ARTICLE,
    )
    .measured(format!(
        "{n} images on {n} threads, the filter releasing the GIL as Pillow's does: {released} \
         the speed of the loop ({kept} when it keeps the GIL)."
    ))
    .judge(released, |x| match x {
        x if x < 1.2 => Verdict::Holds,
        x if x >= 1.3 => Verdict::DoesNotHold,
        _ => Verdict::Partly,
    })
}

/// Judged run by run: the kept filter must not run in parallel, and the released one must.
fn native_claim(figures: &Figures, kept: &Samples, released: &Samples) -> Claim {
    let (n, cores) = (figures.images, figures.costs.cores);
    let verdict = |(&kept, &released): (&f64, &f64)| {
        if kept < 1.2 {
            parallel_verdict(released, cores, n)
        } else {
            Verdict::DoesNotHold
        }
    };
    Claim::new(
        "Native code that releases the GIL runs in parallel on threads (hashlib releases it for \
         data larger than 2047 bytes); native code that keeps it does not.",
        HASHLIB_DOCS,
    )
    .measured(format!(
        "{n} threads: {kept} the loop's speed with the GIL kept, {released} with it released, \
         on {cores} cores."
    ))
    .judge_each(
        kept.values.iter().zip(&released.values).map(verdict),
        &format!("kept {}, released {}", kept.range(), released.range()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(kept: &[f64], released: &[f64]) -> Figures {
        Figures {
            images: IMAGES,
            side: 512,
            passes: PASSES,
            in_turn: Timing::wall_seconds([0.080, 0.081, 0.079]),
            kept: Timing::wall_seconds(kept.iter().copied()),
            released: Timing::wall_seconds(released.iter().copied()),
            model: Predictions {
                kept_s: 0.08,
                released_s: 0.04,
            },
            costs: ModelCosts::example(),
            trace: Trace::virtual_time(),
        }
    }

    fn verdicts(outcome: &Outcome) -> Vec<Verdict> {
        outcome.claims.iter().map(|c| c.verdict).collect()
    }

    #[test]
    fn released_filters_scale_so_the_common_claim_does_not_hold() {
        let outcome = report(&figures(&[0.081, 0.080, 0.082], &[0.041, 0.042, 0.040]));
        assert_eq!(verdicts(&outcome), [Verdict::DoesNotHold, Verdict::Holds]);
    }

    #[test]
    fn filters_that_never_scaled_hold_the_common_claim() {
        let outcome = report(&figures(&[0.080; 3], &[0.079, 0.080, 0.081]));
        assert_eq!(verdicts(&outcome), [Verdict::Holds, Verdict::DoesNotHold]);
    }

    #[test]
    fn a_straddling_spread_is_unclear() {
        let outcome = report(&figures(&[0.080; 2], &[0.041, 0.079]));
        assert_eq!(verdicts(&outcome), [Verdict::Unclear, Verdict::Unclear]);
    }

    #[test]
    fn a_busy_machine_leaves_no_verdict() {
        let outcome = report(&figures(&[0.080; 3], &[0.040; 3])).on_busy_machine("load 4.0");
        assert_eq!(verdicts(&outcome), [Verdict::Unclear, Verdict::Unclear]);
    }

    #[test]
    fn the_blur_averages_neighbours_and_keeps_a_flat_image_flat() {
        assert_eq!(blur(&[90; 16], 4, 3), vec![90; 16]);
        let dot = [0, 0, 0, 0, 90, 0, 0, 0, 0];
        assert_eq!(blur(&dot, 3, 1)[4], 10);
    }
}
