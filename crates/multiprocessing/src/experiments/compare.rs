//! `compare`: the Python twins run by CPython, beside the same experiments in Rust.

use lesson_kit::{Outcome, Twins};

use super::Settings;

pub fn run(_settings: &Settings, _twins: &Twins) -> anyhow::Result<Vec<Outcome>> {
    Ok(Vec::new())
}
