//! `compare`: the experiments beside their Python twins (`python/*.py`, `concurrent.futures`).
//! Each twin prints one JSON object; its fields are read into a struct, never scraped.

use lesson_kit::{Outcome, Twins};

use super::Settings;

pub fn run(_settings: &Settings, _twins: &Twins) -> anyhow::Result<Vec<Outcome>> {
    Ok(Vec::new())
}
