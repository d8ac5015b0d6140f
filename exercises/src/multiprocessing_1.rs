//! # multiprocessing-1: the image pipeline on every core, with rayon
//!
//! In Python you would put the pipeline on every core with a process pool:
//! `results = pool.map(process_image, image_paths)`. In Rust, threads compute in parallel (there
//! is no GIL), so a pool of threads is enough, and rayon is that pool, ready-made.
//!
//! `process_all(process, paths)` runs `process` on each path, one after the other, like
//! `[process_image(path) for path in image_paths]`. Make it run them in parallel on rayon's
//! threads. As with `pool.map`:
//! - `results[i]` is the result for `paths[i]`, whichever image finished first;
//! - an image that cannot be processed gives an `Err` in its own place, and the others still go on.
//!
//! The checks call it as `process_all(process_image, &paths)`, with a function of their own
//! around `process_image` that notes which thread ran each image.
//!
//! Check it: `cargo run -p exercise-check -- check multiprocessing-1`.
//! Stuck? `cargo run -p exercise-check -- hint multiprocessing-1` gives one more hint each time.

use std::path::{Path, PathBuf};

use multiprocessing::images::{ImageError, Processed};

/// Runs `process` on every path: `pool.map(process, paths)`; `results[i]` is for `paths[i]`.
pub fn process_all(
    process: impl Fn(&Path) -> Result<Processed, ImageError>,
    paths: &[PathBuf],
) -> Vec<Result<Processed, ImageError>> {
    // TODO: run this on rayon's threads instead of one after the other. Rayon's prelude gives a
    // slice a parallel version of `iter`; the compiler will then tell you what `process` must
    // promise before several threads may call it at once.
    paths.iter().map(|path| process(path)).collect()
}
