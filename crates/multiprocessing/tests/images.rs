//! The generated images and the pipeline: the same pixels every time, and the same JPEG whoever
//! processes them (in turn, in a pool, with rayon).

use std::io;
use std::process::Command;
use std::time::Duration;

use lesson_kit::finish_within;
use multiprocessing::images::{ImageSet, fnv1a, generate, process_image, read_ppm, write_ppm};
use multiprocessing::{Answer, Pool, Task};
use rayon::prelude::*;

#[test]
fn the_same_seed_draws_the_same_pixels() {
    let (a, b, other) = (generate(7, 64), generate(7, 64), generate(8, 64));
    assert_eq!(a, b);
    assert_ne!(a.pixels, other.pixels);
    assert_eq!(a.pixels.len(), 64 * 64 * 3);
    // A fingerprint of seed 7, so that a change to the generator (which would change every
    // figure compared with Python) is a decision, not an accident.
    assert_eq!(fnv1a(&a.pixels), 0x979a_6536_598d_3ea2);
}

#[test]
fn a_ppm_file_reads_back_as_written() {
    let images = ImageSet::generate(1, 33).expect("writes");
    let path = &images.paths[0];
    let image = read_ppm(path).expect("reads");
    assert_eq!(image, generate(1, 33));
    let copy = images.dir.join("copy.ppm");
    write_ppm(&copy, &image).expect("writes");
    assert_eq!(std::fs::read(&copy).ok(), std::fs::read(path).ok());
}

#[test]
fn a_file_that_is_not_a_ppm_is_a_clear_error() {
    let images = ImageSet::generate(1, 8).expect("writes");
    let bad = images.dir.join("bad.ppm");
    std::fs::write(&bad, b"P3\n1 1\n255\n0 0 0\n").expect("writes");
    let error = process_image(&bad)
        .expect_err("P3 is text, not binary")
        .to_string();
    assert!(error.contains("not a binary PPM"), "{error}");
}

#[test]
fn the_image_set_is_removed_when_dropped() {
    let images = ImageSet::generate(2, 8).expect("writes");
    let dir = images.dir.to_path_buf();
    assert!(dir.is_dir());
    drop(images);
    assert!(!dir.exists());
}

fn lesson_worker() -> io::Result<Command> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_multiprocessing"));
    command.args(["--child", "pool-worker"]);
    Ok(command)
}

#[test]
fn every_variant_makes_the_same_jpegs() {
    let images = ImageSet::generate(4, 96).expect("writes");
    let checksum = |r: Result<u64, String>| r.expect("processed");
    let in_turn: Vec<u64> = images
        .paths
        .iter()
        .map(|p| {
            checksum(
                process_image(p)
                    .map(|i| i.checksum)
                    .map_err(|e| e.to_string()),
            )
        })
        .collect();
    let with_rayon: Vec<u64> = images
        .paths
        .par_iter()
        .map(|p| process_image(p).map(|i| i.checksum).expect("processed"))
        .collect();
    let paths = images.paths.clone();
    let in_a_pool: Vec<u64> = finish_within("pool", Duration::from_secs(60), move || {
        let pool = Pool::<Task>::with_command(2, lesson_worker).expect("starts");
        pool.map(paths.into_iter().map(Task::ProcessImage))
            .into_iter()
            .map(|result| match result {
                Ok(Answer::Image(image)) => image.checksum,
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    });
    assert_eq!(in_turn, with_rayon);
    assert_eq!(in_turn, in_a_pool);
    assert_eq!(in_turn.len(), 4);
}
