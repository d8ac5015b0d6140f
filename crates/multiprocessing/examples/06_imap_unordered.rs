//! Results as they finish, not in order: `imap_unordered`.
//!
//! Python: `for result in pool.imap_unordered(process_image, paths, chunksize=1): ...`. The
//! small images finish first; `map` would hold them back until the big first one is done.
//! Run it: `cargo run -p multiprocessing --example 06_imap_unordered`

use std::process::ExitCode;

use lesson_kit::tour::serve_child;
use multiprocessing::images::{ImageSet, generate, write_ppm};
use multiprocessing::pool::{WORKER, worker_main};
use multiprocessing::{Pool, Task};

fn main() -> anyhow::Result<ExitCode> {
    if let Some(exit) = serve_child("06_imap_unordered", &[(WORKER, worker_main::<Task>)]) {
        return Ok(exit);
    }
    // One big image first, then small ones.
    let images = ImageSet::generate(5, 256)?;
    write_ppm(&images.paths[0], &generate(1, 2048))?;
    // ANCHOR: unordered
    let pool = Pool::<Task>::new(2)?;
    let tasks = images
        .paths
        .iter()
        .map(|path| Task::ProcessImage(path.clone()));
    for finished in pool.imap_unordered(tasks, 1) {
        let worker = finished.ran.map_or(0, |ran| ran.pid);
        println!(
            "task {} done by process {worker}: {:?}",
            finished.index,
            finished.result.is_ok()
        );
    }
    // ANCHOR_END: unordered
    Ok(ExitCode::SUCCESS)
}
