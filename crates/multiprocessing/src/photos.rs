//! The reader's own photos (`multiprocessing pipeline --dir PATH`): which files of a folder are
//! JPEG or PNG, how one is decoded, and where its result goes, which is never the reader's folder.
//!
//! The stages after reading are the generated images' own ([`crate::images`]): resize to half,
//! blur, JPEG. Only the read differs: a photo is decoded by the `image` crate (JPEG and PNG
//! only), where a generated image is a PPM read in a few lines.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::blur::gaussian_blur;
use crate::images::{
    BLUR_SIGMA, ImageError, Processed, Rgb, Stages, encode_jpeg, fnv1a, resize_half, timed,
};

/// Why the reader's folder cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("--dir {0}: there is no such folder")]
    Missing(PathBuf),
    #[error("--dir {0} is a file, not a folder")]
    NotAFolder(PathBuf),
    #[error("could not read the folder {path}: {source}")]
    Unreadable { path: PathBuf, source: io::Error },
    #[error("--dir {0} is empty: put some JPEG or PNG photos in it")]
    Empty(PathBuf),
    #[error("--dir {path} holds {files} but no JPEG or PNG (.jpg, .jpeg, .png)")]
    NoImages { path: PathBuf, files: String },
    #[error("none of the photos in {path} decodes: {reasons}")]
    NoneDecodes { path: PathBuf, reasons: String },
    #[error(
        "--out {out} is inside --dir {dir}: the lesson never writes into your folder; \
         choose an --out elsewhere"
    )]
    OutInsideDir { out: PathBuf, dir: PathBuf },
    #[error("could not create the output folder {path}: {source}")]
    Out { path: PathBuf, source: io::Error },
}

/// The JPEG and PNG files directly in `dir` (not in its subfolders), sorted by name.
pub fn find_photos(dir: &Path) -> Result<Vec<PathBuf>, PhotoError> {
    let unreadable = |source| PhotoError::Unreadable {
        path: dir.to_path_buf(),
        source,
    };
    let metadata = fs::metadata(dir).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => PhotoError::Missing(dir.to_path_buf()),
        _ => unreadable(source),
    })?;
    if !metadata.is_dir() {
        return Err(PhotoError::NotAFolder(dir.to_path_buf()));
    }
    let (mut files, mut photos) = (0, Vec::new());
    for entry in fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if path.is_file() {
            files += 1;
            if is_photo(&path) {
                photos.push(path);
            }
        }
    }
    photos.sort();
    match (files, photos.is_empty()) {
        (0, _) => Err(PhotoError::Empty(dir.to_path_buf())),
        (_, true) => Err(PhotoError::NoImages {
            path: dir.to_path_buf(),
            files: crate::experiments::count(files, "file"),
        }),
        _ => Ok(photos),
    }
}

/// A `.jpg`, `.jpeg` or `.png` file, whatever the case of its extension.
pub fn is_photo(path: &Path) -> bool {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    ["jpg", "jpeg", "png"]
        .iter()
        .any(|known| extension.eq_ignore_ascii_case(known))
}

/// The output folder `out`, created if need be, refused if it is `dir` or inside it: results
/// never land among the reader's photos. Compared once both are canonical, so that `--out .`
/// from inside the folder, or a symbolic link to it, is caught too.
pub fn output_folder(dir: &Path, out: &Path) -> Result<PathBuf, PhotoError> {
    let (dir_c, out_c) = (fs::canonicalize(dir), fs::canonicalize(out));
    if let (Ok(dir_c), Ok(out_c)) = (&dir_c, &out_c)
        && out_c.starts_with(dir_c)
    {
        return Err(PhotoError::OutInsideDir {
            out: out.to_path_buf(),
            dir: dir.to_path_buf(),
        });
    }
    // An `--out` that does not exist yet cannot be inside the folder unless its parent is:
    // checked again once it exists, before anything is written.
    let create = |source| PhotoError::Out {
        path: out.to_path_buf(),
        source,
    };
    if out_c.is_err() {
        let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
        if let (Ok(dir_c), Some(Ok(parent))) = (&dir_c, parent.map(fs::canonicalize))
            && parent.starts_with(dir_c)
        {
            return Err(PhotoError::OutInsideDir {
                out: out.to_path_buf(),
                dir: dir.to_path_buf(),
            });
        }
        fs::create_dir_all(out).map_err(create)?;
    }
    fs::canonicalize(out).map_err(create)
}

/// The name of a photo's result: `IMG_1.jpg` stays `IMG_1.jpg`, `scan.png` becomes
/// `scan.png.jpg` (not `scan.jpg`, which a `scan.jpg` beside it would also write).
pub fn output_name(path: &Path) -> PathBuf {
    let name = path.file_name().unwrap_or_default();
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ["jpg", "jpeg"]
        .iter()
        .any(|jpeg| extension.eq_ignore_ascii_case(jpeg))
    {
        PathBuf::from(name)
    } else {
        let mut name = name.to_os_string();
        name.push(".jpg");
        PathBuf::from(name)
    }
}

/// Decodes a JPEG or PNG (its content decides, not its name) into RGB, 8 bits a channel.
pub fn decode(path: &Path) -> Result<Rgb, ImageError> {
    let decode_error = |reason: String| ImageError::Decode {
        path: path.to_path_buf(),
        reason,
    };
    let reader = image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|source| ImageError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let image = reader
        .decode()
        .map_err(|e| decode_error(e.to_string()))?
        .into_rgb8();
    Ok(Rgb {
        width: image.width(),
        height: image.height(),
        pixels: image.into_raw(),
    })
}

/// `process_image(path)` on a photo: decode, resize to half, blur, encode, then write the JPEG
/// into `out` under [`output_name`]. The write is not one of the timed stages (the generated
/// images' pipeline has no such stage), but it is inside every variant's wall time.
pub fn process_photo(path: &Path, out: &Path) -> Result<Processed, ImageError> {
    let mut stages = Stages::default();
    let image = timed(&mut stages.read_s, || decode(path))?;
    let mut small = timed(&mut stages.resize_s, || resize_half(&image))?;
    timed(&mut stages.blur_s, || gaussian_blur(&mut small, BLUR_SIGMA));
    let jpeg = timed(&mut stages.encode_s, || encode_jpeg(&small))?;
    let target = out.join(output_name(path));
    fs::write(&target, &jpeg).map_err(|source| ImageError::Io {
        path: target,
        source,
    })?;
    Ok(Processed {
        jpeg_bytes: jpeg.len() as u64,
        checksum: fnv1a(&jpeg),
        stages,
    })
}
