//! The article's image pipeline, one image after another: read, resize, blur, encode as JPEG.
//!
//! Python: `results = [process_image(path) for path in image_paths]`, Pillow doing each stage.
//! Run it: `cargo run -p multiprocessing --example 01_images_in_turn`

use std::time::Instant;

use multiprocessing::images::{ImageSet, process_image};

fn main() -> anyhow::Result<()> {
    let images = ImageSet::generate(4, 1024)?;
    let started = Instant::now();
    // ANCHOR: in_turn
    for path in &images.paths {
        let processed = process_image(path)?;
        let s = processed.stages;
        println!(
            "{}: {} bytes of JPEG (read {:.1} ms, resize {:.1} ms, \
             blur {:.1} ms, encode {:.1} ms)",
            path.display(),
            processed.jpeg_bytes,
            s.read_s * 1e3,
            s.resize_s * 1e3,
            s.blur_s * 1e3,
            s.encode_s * 1e3,
        );
    }
    // ANCHOR_END: in_turn
    println!(
        "{} images in turn: {:?}",
        images.paths.len(),
        started.elapsed()
    );
    Ok(())
}
