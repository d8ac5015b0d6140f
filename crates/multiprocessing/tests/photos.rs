//! `pipeline --dir PATH` on a folder of real JPEGs and PNGs made here, one of them truncated:
//! the others complete, the truncated one is named, the run exits non-zero, nothing is written
//! into the folder, and the results land in `--out`. Then the folders it refuses, with reasons.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use lesson_kit::cleanup::scratch_dir;
use lesson_kit::finish_within;
use multiprocessing::images::{encode_jpeg, generate};
use multiprocessing::photos::{PhotoError, find_photos, output_folder, output_name};

const LIMIT: Duration = Duration::from_secs(300);

/// Two JPEGs, two PNGs (one named in capitals), a text file, and `cut.jpg`: a JPEG cut after
/// its first 200 bytes, as a copy interrupted halfway would leave it.
fn photo_folder(dir: &Path) {
    for (seed, name) in [(1, "a.jpg"), (2, "b.JPEG")] {
        let jpeg = encode_jpeg(&generate(seed, 48)).expect("encodes");
        fs::write(dir.join(name), jpeg).expect("writes");
    }
    for (seed, name) in [(3, "c.png"), (4, "D.PNG")] {
        let image = generate(seed, 40);
        image::save_buffer(
            dir.join(name),
            &image.pixels,
            image.width,
            image.height,
            image::ExtendedColorType::Rgb8,
        )
        .expect("writes a PNG");
    }
    fs::write(dir.join("notes.txt"), "not a photo").expect("writes");
    let whole = encode_jpeg(&generate(5, 64)).expect("encodes");
    fs::write(dir.join("cut.jpg"), &whole[..200]).expect("writes");
}

/// Every file in `dir`, with its bytes: what the run must leave exactly as it was.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fs::read_dir(dir)
        .expect("lists")
        .map(|e| e.expect("entry").path())
        .map(|p| {
            let bytes = fs::read(&p).unwrap_or_default();
            (p, bytes)
        })
        .collect()
}

fn run(args: Vec<String>) -> Output {
    finish_within("pipeline --dir", LIMIT, move || {
        Command::new(env!("CARGO_BIN_EXE_multiprocessing"))
            .args(["pipeline", "--repeat", "1", "--workers", "2"])
            .args(args)
            .output()
            .expect("the lesson runs")
    })
}

fn said(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn the_photos_that_decode_complete_and_the_truncated_one_is_named() {
    let (dir, out) = (
        scratch_dir("photos-in").unwrap(),
        scratch_dir("photos-out").unwrap(),
    );
    photo_folder(&dir);
    let before = contents(&dir);
    let output = run(vec![
        format!("--dir={}", dir.display()),
        format!("--out={}", out.display()),
    ]);
    let said = said(&output);
    assert!(
        !output.status.success(),
        "a skipped photo fails the run:\n{said}"
    );
    assert!(
        said.contains("cut.jpg"),
        "the truncated photo is named:\n{said}"
    );
    assert_eq!(
        contents(&dir),
        before,
        "nothing written into the reader's folder"
    );
    for variant in ["sequential", "pool", "rayon"] {
        let mut made: Vec<String> = fs::read_dir(out.join(variant))
            .unwrap_or_else(|e| panic!("{variant}: {e}\n{said}"))
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        made.sort();
        assert_eq!(
            made,
            ["D.PNG.jpg", "a.jpg", "b.JPEG", "c.png.jpg"],
            "{variant}:\n{said}"
        );
        for name in &made {
            let jpeg = fs::read(out.join(variant).join(name)).expect("reads");
            assert_eq!(&jpeg[..2], [0xFF, 0xD8], "{variant}/{name} is a JPEG");
        }
    }
}

#[test]
fn without_out_nothing_is_left_in_the_folder_either() {
    let dir = scratch_dir("photos-in").unwrap();
    photo_folder(&dir);
    fs::remove_file(dir.join("cut.jpg")).expect("removes");
    let before = contents(&dir);
    let output = run(vec![format!("--dir={}", dir.display())]);
    assert!(output.status.success(), "{}", said(&output));
    assert_eq!(contents(&dir), before);
}

#[test]
fn a_missing_an_empty_and_an_imageless_folder_are_refused_with_reasons() {
    let dir = scratch_dir("photos-refused").unwrap();
    let missing = dir.join("nowhere");
    let output = run(vec![format!("--dir={}", missing.display())]);
    assert!(!output.status.success());
    assert!(
        said(&output).contains("no such folder"),
        "{}",
        said(&output)
    );

    let empty = dir.join("empty");
    fs::create_dir(&empty).expect("makes");
    assert!(matches!(find_photos(&empty), Err(PhotoError::Empty(_))));
    let output = run(vec![format!("--dir={}", empty.display())]);
    assert!(!output.status.success());
    assert!(said(&output).contains("is empty"), "{}", said(&output));

    fs::write(empty.join("notes.txt"), "text").expect("writes");
    let error = find_photos(&empty).expect_err("no photo").to_string();
    assert!(error.contains("1 file but no JPEG or PNG"), "{error}");
}

#[test]
fn an_out_folder_inside_the_readers_folder_is_refused() {
    let dir = scratch_dir("photos-out-inside").unwrap();
    let inside = dir.join("results");
    let error = output_folder(&dir, &inside).expect_err("inside");
    assert!(matches!(error, PhotoError::OutInsideDir { .. }), "{error}");
    assert!(!inside.exists(), "refused before it was made");
    assert!(matches!(
        output_folder(&dir, &dir),
        Err(PhotoError::OutInsideDir { .. })
    ));
}

#[test]
fn results_are_named_so_that_no_two_photos_share_one() {
    assert_eq!(
        output_name(Path::new("/p/IMG_1.jpg")),
        Path::new("IMG_1.jpg")
    );
    assert_eq!(
        output_name(Path::new("/p/IMG_1.JPEG")),
        Path::new("IMG_1.JPEG")
    );
    assert_eq!(
        output_name(Path::new("/p/scan.png")),
        Path::new("scan.png.jpg")
    );
}
