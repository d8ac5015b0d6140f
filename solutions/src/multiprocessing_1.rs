//! # multiprocessing-1: the image pipeline on every core, with rayon (a model answer)
//!
//! See `exercises/src/multiprocessing_1.rs` for the task.

use std::path::{Path, PathBuf};

use multiprocessing::images::{ImageError, Processed};
use rayon::prelude::*;

/// Runs `process` on every path: `pool.map(process, paths)`; `results[i]` is for `paths[i]`.
///
/// `Sync`: rayon's threads all call the same `process` at once, through a shared reference, so
/// it must be safe to share (a closure that changes captured state through a `Cell` or `RefCell`
/// is not, and the compiler refuses it here rather than letting it race). `Send`: rayon may hand
/// the closure to another thread.
pub fn process_all(
    process: impl Fn(&Path) -> Result<Processed, ImageError> + Sync + Send,
    paths: &[PathBuf],
) -> Vec<Result<Processed, ImageError>> {
    // `par_iter` splits the slice among rayon's threads; `collect` into a `Vec` puts each result
    // back at its item's index, so the order is the paths' order, as with `pool.map`. Collecting
    // into `Vec<Result<…>>` (not `Result<Vec<…>>`) keeps every image's own outcome: one failure
    // does not stop or hide the others.
    paths.par_iter().map(|path| process(path)).collect()
}
