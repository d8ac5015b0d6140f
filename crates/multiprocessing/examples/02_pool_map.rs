//! The same images in a pool of worker processes: `Pool::new(n)` and `map`.
//!
//! Python: `with Pool(processes=4) as pool: results = pool.map(process_image, image_paths)`.
//! Each worker is this program started again, which is why `main` first checks whether it is
//! one: the mirror of Python's `if __name__ == "__main__":` guard.
//! Run it: `cargo run -p multiprocessing --example 02_pool_map`

use std::process::ExitCode;
use std::time::Instant;

use lesson_kit::tour::serve_child;
use multiprocessing::images::ImageSet;
use multiprocessing::pool::{WORKER, worker_main};
use multiprocessing::{Answer, Pool, Task};

fn main() -> anyhow::Result<ExitCode> {
    // ANCHOR: guard
    // A worker runs this same program: it serves tasks, and never reaches the code
    // below.
    let worker = serve_child("02_pool_map", &[(WORKER, worker_main::<Task>)]);
    if let Some(exit) = worker {
        return Ok(exit);
    }
    // ANCHOR_END: guard
    let images = ImageSet::generate(8, 1024)?;
    let started = Instant::now();
    // ANCHOR: map
    let pool = Pool::<Task>::new(4)?;
    let tasks = images
        .paths
        .iter()
        .map(|path| Task::ProcessImage(path.clone()));
    let results = pool.map(tasks); // in the order of the tasks
    drop(pool); // leaving `with Pool(...)`: the workers are stopped and waited for
    // ANCHOR_END: map
    for (path, result) in images.paths.iter().zip(results) {
        match result {
            Ok(Answer::Image(image)) => println!("{}: {} bytes", path.display(), image.jpeg_bytes),
            other => println!("{}: {other:?}", path.display()),
        }
    }
    println!("8 images in a pool of 4: {:?}", started.elapsed());
    Ok(ExitCode::SUCCESS)
}
