//! The article's image pipeline, for real: read an image, resize it, blur it, encode it as JPEG.
//!
//! The images are made by the lesson, not downloaded: [`ImageSet::generate`] draws them from a
//! seed (the same pixels on every machine) and writes them to a temporary folder as PPM files, a
//! format simple enough to write in ten lines and one Pillow reads. Then every variant of the
//! experiment, and the Python twin, runs the same `process_image(path)` over the same paths, as
//! the article's `pool.map(process_image, image_paths)` does.
//!
//! The stages, and what does them:
//! - resize to half size with a Lanczos-3 filter: `fast_image_resize` (SIMD), several times
//!   faster than the `image` crate's resize;
//! - Gaussian blur, σ = 2: Pillow's own algorithm, three box blurs ([`crate::blur`]);
//! - JPEG at quality 85: `jpeg-encoder` with its `simd` feature.

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use lesson_kit::cleanup::{Scratch, scratch_dir};
use serde::{Deserialize, Serialize};

use crate::blur::gaussian_blur;

/// The blur's standard deviation: Pillow's `GaussianBlur(radius=2)` (Pillow calls σ the radius).
pub const BLUR_SIGMA: f32 = 2.0;
/// JPEG quality, as `image.save(out, quality=85)`.
pub const JPEG_QUALITY: u8 = 85;

/// An RGB image, 3 bytes a pixel, row after row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rgb {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

/// Why an image could not be processed.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path} is not a binary PPM image (P6, 8 bits): {reason}")]
    NotPpm { path: PathBuf, reason: String },
    #[error("{path} does not decode as an image: {reason}")]
    Decode { path: PathBuf, reason: String },
    #[error("resizing failed: {0}")]
    Resize(String),
    #[error("JPEG encoding failed: {0}")]
    Encode(String),
}

/// What processing one image gave, and what each stage cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Processed {
    pub jpeg_bytes: u64,
    /// FNV-1a of the JPEG: the same image gives the same number whoever processed it.
    pub checksum: u64,
    pub stages: Stages,
}

/// Seconds spent in each stage of one image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stages {
    pub read_s: f64,
    pub resize_s: f64,
    pub blur_s: f64,
    pub encode_s: f64,
}

/// `process_image(path)`: the whole pipeline for one image, timed stage by stage.
pub fn process_image(path: &Path) -> Result<Processed, ImageError> {
    let mut stages = Stages::default();
    let image = timed(&mut stages.read_s, || read_ppm(path))?;
    let mut small = timed(&mut stages.resize_s, || resize_half(&image))?;
    timed(&mut stages.blur_s, || gaussian_blur(&mut small, BLUR_SIGMA));
    let jpeg = timed(&mut stages.encode_s, || encode_jpeg(&small))?;
    Ok(Processed {
        jpeg_bytes: jpeg.len() as u64,
        checksum: fnv1a(&jpeg),
        stages,
    })
}

/// Runs `work`, putting the seconds it took in `seconds`.
pub(crate) fn timed<T>(seconds: &mut f64, work: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let value = work();
    *seconds = started.elapsed().as_secs_f64();
    value
}

/// Half the width and height, Lanczos-3 (Pillow's `Image.LANCZOS`).
pub fn resize_half(image: &Rgb) -> Result<Rgb, ImageError> {
    let resize_error = |e: &dyn std::fmt::Display| ImageError::Resize(e.to_string());
    let source = ImageRef::new(image.width, image.height, &image.pixels, PixelType::U8x3)
        .map_err(|e| resize_error(&e))?;
    let (width, height) = ((image.width / 2).max(1), (image.height / 2).max(1));
    let mut target = Image::new(width, height, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(&source, &mut target, &options)
        .map_err(|e| resize_error(&e))?;
    Ok(Rgb {
        width,
        height,
        pixels: target.into_vec(),
    })
}

/// The image as a JPEG file's bytes.
pub fn encode_jpeg(image: &Rgb) -> Result<Vec<u8>, ImageError> {
    let side = |n: u32| {
        u16::try_from(n).map_err(|_| ImageError::Encode(format!("{n} px is over JPEG's 65,535")))
    };
    let (width, height) = (side(image.width)?, side(image.height)?);
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, JPEG_QUALITY)
        .encode(&image.pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| ImageError::Encode(e.to_string()))?;
    Ok(jpeg)
}

/// A square image drawn from `seed`: gradients (which blur and JPEG handle well) under noise
/// (which they do not), so that the work resembles a photograph's. Same seed, same pixels.
pub fn generate(seed: u64, side: u32) -> Rgb {
    let side = side.max(1);
    let mut pixels = Vec::with_capacity(side as usize * side as usize * 3);
    let mut noise = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let tint = (seed % 256) as u32;
    for y in 0..side {
        for x in 0..side {
            noise = xorshift(noise);
            let grain = (noise & 0x3F) as u32;
            let red = x * 192 / side + grain;
            let green = y * 192 / side + (grain >> 1);
            let blue = ((x + y) * 96 / side + tint) % 192 + (grain >> 2);
            pixels.extend([red as u8, green as u8, blue as u8]);
        }
    }
    Rgb {
        width: side,
        height: side,
        pixels,
    }
}

/// Writes `image` as a binary PPM (P6): a three-line text header, then the pixels.
pub fn write_ppm(path: &Path, image: &Rgb) -> io::Result<()> {
    let mut file = io::BufWriter::new(fs::File::create(path)?);
    write!(file, "P6\n{} {}\n255\n", image.width, image.height)?;
    file.write_all(&image.pixels)?;
    file.flush()
}

/// Reads a binary PPM written by [`write_ppm`] (or by Pillow).
pub fn read_ppm(path: &Path) -> Result<Rgb, ImageError> {
    let io_error = |source| ImageError::Io {
        path: path.to_path_buf(),
        source,
    };
    let not_ppm = |reason: &str| ImageError::NotPpm {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let mut file = BufReader::new(fs::File::open(path).map_err(io_error)?);
    // The header: "P6", width, height, 255, separated by whitespace, on up to three lines.
    let mut words = Vec::new();
    while words.len() < 4 {
        let mut line = String::new();
        if file.read_line(&mut line).map_err(io_error)? == 0 {
            return Err(not_ppm("the header ends early"));
        }
        let line = line.split('#').next().unwrap_or_default();
        words.extend(line.split_whitespace().map(str::to_string));
    }
    if words[0] != "P6" || words[3] != "255" || words.len() != 4 {
        return Err(not_ppm("expected `P6 <width> <height> 255`"));
    }
    let number = |w: &str| w.parse::<u32>().map_err(|_| not_ppm("bad width or height"));
    let (width, height) = (number(&words[1])?, number(&words[2])?);
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    file.read_exact(&mut pixels).map_err(io_error)?;
    Ok(Rgb {
        width,
        height,
        pixels,
    })
}

/// Generated images in this run's scratch folder ([`lesson_kit::cleanup::scratch_dir`]): removed
/// when this is dropped, when the run is interrupted, or, after a SIGKILL, at the next start.
#[derive(Debug)]
pub struct ImageSet {
    pub dir: Scratch,
    pub paths: Vec<PathBuf>,
    pub side: u32,
}

impl ImageSet {
    /// `count` images of `side`×`side` pixels, seeds 1, 2, 3…, written to a fresh scratch folder.
    pub fn generate(count: usize, side: u32) -> io::Result<Self> {
        let mut set = ImageSet {
            dir: scratch_dir("images")?,
            paths: Vec::new(),
            side,
        };
        for seed in 1..=count as u64 {
            let path = set.dir.join(format!("image-{seed:02}.ppm"));
            write_ppm(&path, &generate(seed, side))?;
            set.paths.push(path);
        }
        Ok(set)
    }
}

/// The disk `count` images of `side`×`side` pixels take as PPM files: header and pixels.
pub fn bytes_needed(count: usize, side: u32) -> u64 {
    let header = format!("P6\n{side} {side}\n255\n").len() as u64;
    count as u64 * (header + 3 * u64::from(side) * u64::from(side))
}

/// The bytes an unprivileged program may still write on the file system holding `dir`.
pub fn free_bytes(dir: &Path) -> io::Result<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let path = std::ffi::CString::new(dir.as_os_str().as_bytes())
            .map_err(|_| io::Error::other("a path with a NUL byte"))?;
        let mut stats = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
        // Safety: `path` is a NUL-terminated string and `stats` writable memory of the right
        // size, which statvfs fills when it returns 0.
        if unsafe { libc::statvfs(path.as_ptr(), stats.as_mut_ptr()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // Safety: statvfs returned 0, so it filled the struct (zeroed before).
        let stats = unsafe { stats.assume_init() };
        // Both fields are 64-bit on 64-bit Linux and 32-bit elsewhere: widened, not cast.
        #[allow(clippy::useless_conversion)]
        let (blocks, block_size) = (u64::from(stats.f_bavail), u64::from(stats.f_frsize));
        Ok(blocks.saturating_mul(block_size))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Err(io::Error::other("free space is only known on Unix here"))
    }
}

/// FNV-1a, 64 bits: a fingerprint, not a cryptographic hash.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn xorshift(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}
