//! The same images with rayon: data parallelism on threads, Rust's first answer.
//!
//! Rust has no GIL, so threads compute in parallel and no process is needed: `par_iter` splits
//! the work over a pool of threads, one per core. Python has nothing like it for Python code;
//! the nearest is `ThreadPoolExecutor.map`, which helps only when the work releases the GIL.
//! Run it: `cargo run -p multiprocessing --example 03_rayon`

use std::time::Instant;

use multiprocessing::images::{ImageSet, process_image};
use rayon::prelude::*;

fn main() -> anyhow::Result<()> {
    let images = ImageSet::generate(8, 1024)?;
    let started = Instant::now();
    // ANCHOR: rayon
    let results: Vec<_> = images
        .paths
        .par_iter() // was `.iter()`: that one word is the whole change
        .map(|path| process_image(path))
        .collect();
    // ANCHOR_END: rayon
    for (path, result) in images.paths.iter().zip(results) {
        println!("{}: {} bytes", path.display(), result?.jpeg_bytes);
    }
    println!("8 images with rayon: {:?}", started.elapsed());
    Ok(())
}
