//! The same images on threads of one simulated CPython: keeping the GIL, then releasing it.
//!
//! Python: `ThreadPoolExecutor(4).map(process_image, paths)`. Whether that helps depends on the C
//! code doing the work: Pillow releases the GIL around its resize, filters and encoders, so its
//! threads do run in parallel; code that keeps the GIL runs one thread at a time.
//! Run it: `cargo run -p multiprocessing --example 04_gil_threads`

use std::thread;
use std::time::Instant;

use gil_sim::{Interpreter, Mode, Python};
use multiprocessing::images::{ImageSet, process_image};

fn main() -> anyhow::Result<()> {
    let images = ImageSet::generate(8, 1024)?;
    for release in [false, true] {
        let interpreter = Interpreter::new(Mode::Cpython312);
        let started = Instant::now();
        // ANCHOR: threads
        thread::scope(|scope| {
            for (i, paths) in images.paths.chunks(2).enumerate() {
                let interpreter = &interpreter;
                scope.spawn(move || {
                    Python::attach(interpreter, &format!("thread {i}"), |py| {
                        for path in paths {
                            if release {
                                // Pillow's ImagingSectionEnter: the GIL is free
                                // meanwhile.
                                let _ = py.detach(|| process_image(path));
                            } else {
                                let _ = process_image(path); // the GIL held throughout
                            }
                            py.check();
                        }
                    })
                });
            }
        });
        // ANCHOR_END: threads
        let how = if release { "released" } else { "held" };
        println!("8 images on 4 threads, GIL {how}: {:?}", started.elapsed());
    }
    Ok(())
}
