//! The checks of multiprocessing-1, shared by `exercises` and `solutions`.
//!
//! Each runs `process_all` in a rayon pool of two threads, with a function around the lesson's
//! `process_image` that notes which thread ran each image. Proof of parallel work is two threads
//! seen, never a stopwatch.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, PoisonError};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use multiprocessing::images::{ImageError, ImageSet, Processed, process_image};
use rayon::ThreadPoolBuilder;

use crate::harness::Check;
use crate::target::multiprocessing_1::process_all;

pub const CHECKS: &[Check] = &[
    Check {
        name: "the_images_are_processed_on_more_than_one_thread",
        run: the_images_are_processed_on_more_than_one_thread,
    },
    Check {
        name: "results_keep_the_order_of_the_images_and_match_the_sequential_ones",
        run: results_keep_the_order_of_the_images_and_match_the_sequential_ones,
    },
    Check {
        name: "a_bad_image_fails_only_its_own_entry",
        run: a_bad_image_fails_only_its_own_entry,
    },
];

/// Small images: the checks are about order and threads, not speed.
const SIDE: u32 = 64;

/// How long the first thread waits for a second (see [`Threads::note`]). A safety net: a parallel
/// `process_all` brings the second thread in well under it.
const MEETING: Duration = Duration::from_secs(3);

/// The threads that ran `process_image`, and a meeting point for the first two.
struct Threads {
    seen: Mutex<HashSet<ThreadId>>,
    second_arrived: Condvar,
    /// Until when a thread alone waits for company; after that, nobody waits.
    wait_until: Instant,
}

impl Threads {
    fn new() -> Threads {
        Threads {
            seen: Mutex::new(HashSet::new()),
            second_arrived: Condvar::new(),
            wait_until: Instant::now() + MEETING,
        }
    }

    /// Notes the calling thread. While it is the only one seen, it waits for another: rayon's
    /// other thread then steals work even if this one could have finished everything before that
    /// thread woke up, so a parallel `process_all` shows two threads however busy the machine is.
    /// A sequential one waits once, until `wait_until`.
    fn note(&self) {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.insert(thread::current().id());
        if seen.len() >= 2 {
            self.second_arrived.notify_all();
            return;
        }
        let left = self.wait_until.saturating_duration_since(Instant::now());
        let _ = self
            .second_arrived
            .wait_timeout_while(seen, left, |seen| seen.len() < 2);
    }

    fn count(&self) -> usize {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// `process_all(process_image, paths)` in a rayon pool of two threads; the results, and how many
/// threads ran `process_image`.
fn run_on_two_threads(paths: &[PathBuf]) -> (Vec<Result<Processed, ImageError>>, usize) {
    let pool = ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("the check's rayon pool starts");
    let threads = Threads::new();
    let noting = |path: &Path| {
        threads.note();
        process_image(path)
    };
    let results = pool.install(|| process_all(noting, paths));
    assert_eq!(results.len(), paths.len(), "one result per image");
    (results, threads.count())
}

fn assert_parallel(threads: usize) {
    assert!(
        threads >= 2,
        "every image was processed on one thread: process_all still runs them one after another"
    );
}

fn images(count: usize) -> ImageSet {
    ImageSet::generate(count, SIDE).expect("the check's images are written")
}

fn the_images_are_processed_on_more_than_one_thread() {
    let images = images(6);
    let (results, threads) = run_on_two_threads(&images.paths);
    assert_parallel(threads);
    assert!(
        results.iter().all(Result::is_ok),
        "every image should be processed: {results:?}"
    );
}

fn results_keep_the_order_of_the_images_and_match_the_sequential_ones() {
    let images = images(8);
    let (results, threads) = run_on_two_threads(&images.paths);
    assert_parallel(threads);
    for (index, (path, result)) in images.paths.iter().zip(&results).enumerate() {
        let expected = process_image(path).expect("the check's own images process");
        let got = result
            .as_ref()
            .unwrap_or_else(|error| panic!("image {index} failed: {error}"));
        // The same image gives the same JPEG whatever thread made it; the stage timings differ.
        assert_eq!(
            (got.checksum, got.jpeg_bytes),
            (expected.checksum, expected.jpeg_bytes),
            "results[{index}] is not the result for paths[{index}] ({}): results must be in the \
             order of the paths",
            path.display()
        );
    }
}

fn a_bad_image_fails_only_its_own_entry() {
    let images = images(4);
    let not_an_image = images.dir.join("not-an-image.ppm");
    std::fs::write(&not_an_image, "a text file, not a PPM image").expect("write the bad file");
    let missing = images.dir.join("no-such-image.ppm");
    let paths = vec![
        images.paths[0].clone(),
        not_an_image,
        images.paths[1].clone(),
        images.paths[2].clone(),
        missing,
        images.paths[3].clone(),
    ];
    let (results, threads) = run_on_two_threads(&paths);
    assert_parallel(threads);
    for (index, (path, result)) in paths.iter().zip(&results).enumerate() {
        if index == 1 || index == 4 {
            let error = result
                .as_ref()
                .expect_err("this path is not an image: its entry must be an Err");
            assert!(
                error.to_string().contains(&path.display().to_string()),
                "the error for paths[{index}] must be about {}, not: {error}",
                path.display()
            );
        } else {
            let expected = process_image(path).expect("the check's own images process");
            let got = result
                .as_ref()
                .unwrap_or_else(|error| panic!("image {index} is fine, and still failed: {error}"));
            assert_eq!(
                got.checksum, expected.checksum,
                "results[{index}] is not the result for paths[{index}]"
            );
        }
    }
}
