//! How numbers print, the same way in every lesson: seconds in the unit that suits them, bytes in
//! binary multiples, counts with their thousands grouped.
//!
//! Its own module so that both [`Samples`](crate::Samples) (a figure's median and range) and
//! [`Report`](crate::Report) (a table's cells) can use it without depending on each other.

/// `0.000042` → `42.0 µs`, `0.3012` → `301 ms`, `9.01` → `9.01 s`.
pub fn format_seconds(s: f64) -> String {
    let abs = s.abs();
    if abs == 0.0 {
        "0 s".to_string()
    } else if abs < 1e-6 {
        format!("{:.0} ns", s * 1e9)
    } else if abs < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else if abs < 1.0 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

/// `1536` → `1.5 KiB`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
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
