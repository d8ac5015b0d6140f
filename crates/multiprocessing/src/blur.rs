//! A Gaussian blur the way Pillow computes one: three passes of a box blur, each way.
//!
//! Pillow's `ImageFilter.GaussianBlur(radius)` does not convolve with a Gaussian kernel: three box
//! blurs in a row come close to one (the central limit theorem), and a box blur costs the same
//! whatever its width, since a running sum gains one pixel and loses one at each step. The box's
//! radius has a fractional part (Gwosdek et al., "Theoretical foundations of Gaussian convolution
//! by extended box filtering", 2011): the pixels at its two ends count by that fraction. We follow
//! Pillow's `BoxBlur.c`, fixed-point arithmetic included, so the two programs do the same work.
//!
//! Written here rather than taken from a crate: `image`'s `blur` convolves with a real Gaussian
//! kernel (25 ms for a 1024² image where this takes a few), and a dedicated SIMD crate would cost
//! more compile time than these sixty lines.

use crate::images::Rgb;

/// Blurs `image` in place, like Pillow's `image.filter(ImageFilter.GaussianBlur(sigma))`.
pub fn gaussian_blur(image: &mut Rgb, sigma: f32) {
    let radius = box_radius(sigma, 3);
    let mut scratch = vec![0u8; image.pixels.len()];
    let (width, height) = (image.width as usize, image.height as usize);
    for _ in 0..3 {
        horizontal_pass(&image.pixels, &mut scratch, width, radius);
        std::mem::swap(&mut image.pixels, &mut scratch);
    }
    for _ in 0..3 {
        vertical_pass(&image.pixels, &mut scratch, width, height, radius);
        std::mem::swap(&mut image.pixels, &mut scratch);
    }
}

/// The box radius whose `passes` passes make a Gaussian of standard deviation `sigma`
/// (Pillow's `_gaussian_blur_radius`): whole pixels plus a fraction for the two end pixels.
pub fn box_radius(sigma: f32, passes: u32) -> f32 {
    let variance = sigma * sigma / passes as f32;
    let length = (12.0 * variance + 1.0).sqrt();
    let whole = ((length - 1.0) / 2.0).floor();
    let fraction = (2.0 * whole + 1.0) * (whole * (whole + 1.0) - 3.0 * variance)
        / (6.0 * (variance - (whole + 1.0) * (whole + 1.0)));
    whole + fraction
}

/// Fixed-point weights, as Pillow has them: each whole pixel of the box counts `inner / 2^24`,
/// each of the two end pixels `edge / 2^24`.
struct Weights {
    whole: usize,
    inner: u32,
    edge: u32,
}

fn weights(radius: f32) -> Weights {
    let whole = radius.floor() as usize;
    let inner = ((1u32 << 24) as f32 / (radius * 2.0 + 1.0)) as u32;
    let edge = ((1u32 << 24) - (whole as u32 * 2 + 1) * inner) / 2;
    Weights { whole, inner, edge }
}

/// `(sum * inner + ends * edge) / 2^24`, rounded. Cannot overflow: the weights add up to 2^24,
/// and every pixel is at most 255.
fn blend(sum: u32, ends: u32, w: &Weights) -> u8 {
    ((sum * w.inner + ends * w.edge + (1 << 23)) >> 24) as u8
}

/// One box pass along each row. Each row is first copied with its edge pixels repeated past both
/// ends (what Pillow does too), so that the loop below needs no bounds of its own.
fn horizontal_pass(src: &[u8], dst: &mut [u8], width: usize, radius: f32) {
    let w = weights(radius);
    let (r, pad) = (w.whole, w.whole + 1);
    let mut line = vec![0u8; (width + 2 * pad) * 3];
    for (row, out) in src
        .chunks_exact(width * 3)
        .zip(dst.chunks_exact_mut(width * 3))
    {
        let (first, last) = (&row[..3], &row[row.len() - 3..]);
        for i in 0..pad {
            line[i * 3..i * 3 + 3].copy_from_slice(first);
            line[(pad + width + i) * 3..(pad + width + i) * 3 + 3].copy_from_slice(last);
        }
        line[pad * 3..(pad + width) * 3].copy_from_slice(row);
        // Output pixel x sums padded pixels x+1 ..= x+2r+1; its two ends are x and x+2r+2.
        let mut sums = [0u32; 3];
        for i in 1..=2 * r + 1 {
            for c in 0..3 {
                sums[c] += u32::from(line[i * 3 + c]);
            }
        }
        for x in 0..width {
            for c in 0..3 {
                let (left, right) = (line[x * 3 + c], line[(x + 2 * r + 2) * 3 + c]);
                out[x * 3 + c] = blend(sums[c], u32::from(left) + u32::from(right), &w);
                sums[c] = sums[c] + u32::from(right) - u32::from(line[(x + 1) * 3 + c]);
            }
        }
    }
}

/// One box pass down the columns, all columns at once, a row at a time: the running sums are a
/// whole row wide, which keeps memory access in order (and lets the compiler vectorise it).
fn vertical_pass(src: &[u8], dst: &mut [u8], width: usize, height: usize, radius: f32) {
    let w = weights(radius);
    let line = width * 3;
    let row = |y: isize| {
        let y = y.clamp(0, height as isize - 1) as usize;
        &src[y * line..(y + 1) * line]
    };
    let r = w.whole as isize;
    let mut sums = vec![0u32; line];
    for y in -r..=r {
        for (sum, &p) in sums.iter_mut().zip(row(y)) {
            *sum += u32::from(p);
        }
    }
    for y in 0..height as isize {
        let (above, below) = (row(y - r - 1), row(y + r + 1));
        let out = &mut dst[y as usize * line..(y as usize + 1) * line];
        let ends = above
            .iter()
            .zip(below)
            .map(|(&a, &b)| u32::from(a) + u32::from(b));
        for ((pixel, &sum), ends) in out.iter_mut().zip(&sums).zip(ends) {
            *pixel = blend(sum, ends, &w);
        }
        let leaving = row(y - r);
        for ((sum, &enters), &leaves) in sums.iter_mut().zip(below).zip(leaving) {
            *sum = *sum + u32::from(enters) - u32::from(leaves);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pillows_radius_for_sigma_two() {
        // sqrt(12 * 4/3 + 1) = 4.12: one whole pixel each side, and 0.375 of the next.
        assert!((box_radius(2.0, 3) - 1.375).abs() < 1e-6);
    }

    #[test]
    fn a_flat_image_stays_flat() {
        let mut image = Rgb {
            width: 9,
            height: 7,
            pixels: vec![200; 9 * 7 * 3],
        };
        gaussian_blur(&mut image, 2.0);
        assert!(image.pixels.iter().all(|&p| p == 200), "{:?}", image.pixels);
    }

    #[test]
    fn a_bright_dot_spreads_and_keeps_its_light() {
        let (width, height) = (21, 21);
        let mut pixels = vec![0u8; width * height * 3];
        let centre = (10 * width + 10) * 3;
        pixels[centre..centre + 3].copy_from_slice(&[255, 255, 255]);
        let mut image = Rgb {
            width: width as u32,
            height: height as u32,
            pixels,
        };
        gaussian_blur(&mut image, 1.0);
        let red: Vec<u32> = image.pixels.iter().step_by(3).map(|&p| p as u32).collect();
        assert!(red[10 * width + 10] < 255, "the dot spread out");
        assert!(red[10 * width + 11] > 0, "its neighbour got some light");
        let total: u32 = red.iter().sum();
        assert!(
            (200..=310).contains(&total),
            "light kept, give or take rounding: {total}"
        );
    }
}
