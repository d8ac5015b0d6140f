//! How numbers print, the same way in every lesson: seconds in the unit that suits them, bytes in
//! binary multiples, counts with their thousands grouped.
//!
//! Its own module so that both [`Samples`](crate::Samples) (a figure's median and range) and
//! [`Report`](crate::Report) (a table's cells) can use it without depending on each other.

/// `0.000042` → `42.0 µs`, `0.3012` → `301.2 ms`, `9.01` → `9.01 s`.
pub fn format_seconds(s: f64) -> String {
    if s == 0.0 {
        return "0 s".to_string();
    }
    let (scale, unit, digits) = seconds_scale(s);
    format!("{:.digits$} {unit}", s * scale)
}

/// `min`–`max` in the unit and precision `like` prints with, so that a median never prints
/// outside its own range (`67.2 µs (61.0–4,012.0 µs)`, not `67.2 µs (0.1–4.0 ms)`); the one
/// value when both ends print alike.
pub fn format_seconds_range(min: f64, max: f64, like: f64) -> String {
    let (scale, unit, digits) = seconds_scale(like);
    ends(min * scale, max * scale, digits, &format!(" {unit}"))
}

/// The multiplier, unit name and decimals a time of `s` seconds prints with.
fn seconds_scale(s: f64) -> (f64, &'static str, usize) {
    match s.abs() {
        0.0 => (1.0, "s", 2),
        a if a < 1e-6 => (1e9, "ns", 0),
        a if a < 1e-3 => (1e6, "µs", 1),
        a if a < 1.0 => (1e3, "ms", 1),
        _ => (1.0, "s", 2),
    }
}

/// `1536` → `1.5 KiB`.
pub fn format_bytes(bytes: u64) -> String {
    let (scale, unit, digits) = bytes_scale(bytes as f64);
    format!("{:.digits$} {unit}", bytes as f64 / scale)
}

/// A range of bytes in the unit and precision `like` prints with: `900.0–1,536.0 KiB`.
pub fn format_bytes_range(min: f64, max: f64, like: f64) -> String {
    let (scale, unit, digits) = bytes_scale(like);
    ends(min / scale, max / scale, digits, &format!(" {unit}"))
}

/// The divisor, unit name and decimals `bytes` prints with: binary multiples, whole bytes.
fn bytes_scale(bytes: f64) -> (f64, &'static str, usize) {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut scale = 1.0;
    let mut unit = 0;
    while bytes / scale >= 1024.0 && unit < UNITS.len() - 1 {
        scale *= 1024.0;
        unit += 1;
    }
    (scale, UNITS[unit], if unit == 0 { 0 } else { 1 })
}

/// `lo–hi` then `suffix`, both with `digits` decimals and grouped thousands, or one value when
/// they print alike.
pub(crate) fn ends(lo: f64, hi: f64, digits: usize, suffix: &str) -> String {
    let (lo, hi) = (group_decimal(lo, digits), group_decimal(hi, digits));
    if lo == hi {
        format!("{lo}{suffix}")
    } else {
        format!("{lo}–{hi}{suffix}")
    }
}

/// `4012.04` with 1 digit → `4,012.0`.
fn group_decimal(value: f64, digits: usize) -> String {
    let text = format!("{:.digits$}", value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let sign = if value < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        "-"
    } else {
        ""
    };
    let whole = whole
        .parse()
        .map_or_else(|_| whole.to_string(), group_thousands);
    if fraction.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction}")
    }
}

/// `16000` → `16,000`.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_bytes_and_counts() {
        assert_eq!(format_seconds(0.000042), "42.0 µs");
        assert_eq!(format_seconds(0.3012), "301.2 ms");
        assert_eq!(format_seconds(9.01), "9.01 s");
        assert_eq!(format_seconds(0.0), "0 s");
        assert_eq!(format_seconds(4e-8), "40 ns");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(100), "100 B");
        assert_eq!(group_thousands(16_000), "16,000");
    }

    #[test]
    fn a_range_is_printed_in_its_medians_unit_and_precision() {
        // The repro of issue 18: a median of 67.2 µs and a range from 61 µs to 4.012 ms.
        assert_eq!(
            format_seconds_range(0.000061, 0.004012, 0.0000672),
            "61.0–4,012.0 µs"
        );
        assert_eq!(format_seconds_range(0.903, 0.91, 0.906), "903.0–910.0 ms");
        assert_eq!(format_seconds_range(0.4, 1.2, 1.0), "0.40–1.20 s");
        assert_eq!(format_seconds_range(0.30001, 0.30004, 0.3), "300.0 ms");
        assert_eq!(
            format_bytes_range(900.0 * 1024.0, 1536.0 * 1024.0, 1000.0 * 1024.0),
            "900.0–1,536.0 KiB"
        );
    }
}
