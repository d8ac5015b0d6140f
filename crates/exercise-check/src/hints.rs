//! Graded hints, as rustlings gives them: the checks show an exercise's first hint (a nudge) when
//! they fail, and each `hint NAME` shows exactly one more, up to the last, which describes the
//! approach but never gives the answer's code (`meta` and this crate's tests check that).
//!
//! A hints file (`exercises/hints/NAME.md`) is Markdown, one part per level, parts separated by a
//! line `---`, so that the book can include the whole file under the exercise. How many levels
//! each exercise has shown is kept in `target/exercise-check/hints.json`.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::workspace::{Exercise, Workspace};

/// The levels of a hints file, from the nudge to the last.
pub fn levels(text: &str) -> Vec<String> {
    let mut levels = vec![String::new()];
    for line in text.lines() {
        if line.trim() == "---" {
            levels.push(String::new());
        } else if let Some(level) = levels.last_mut() {
            level.push_str(line);
            level.push('\n');
        }
    }
    levels
        .into_iter()
        .map(|level| level.trim().to_string())
        .filter(|level| !level.is_empty())
        .collect()
}

/// The next level of `exercise`'s hints, the one level the learner has not seen yet (the last
/// again once all were shown), and remembers it.
pub fn next(workspace: &Workspace, exercise: &Exercise) -> Result<String> {
    let path = workspace.path(&exercise.hints());
    let text = fs::read_to_string(&path)
        .with_context(|| format!("cannot read the hints {}", path.display()))?;
    let levels = levels(&text);
    let mut shown = Shown::load(workspace)?;
    let now = (shown.of(&exercise.name) + 1).min(levels.len());
    shown.set(&exercise.name, now);
    shown.save()?;
    Ok(say(&exercise.name, &levels, now, &exercise.solution()))
}

/// Level `now` (from 1) of `levels`, with what to do next.
fn say(name: &str, levels: &[String], now: usize, solution: &str) -> String {
    let count = levels.len();
    let Some(level) = now.checked_sub(1).and_then(|i| levels.get(i)) else {
        return format!("{name} has no hints.\n");
    };
    let mut out = format!("hint {now} of {count} for {name}:\n");
    for line in level.lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out.push('\n');
    if now < count {
        out.push_str(&format!(
            "Hint {} of {count}: run `cargo run -p exercise-check -- hint {name}` again.\n",
            now + 1
        ));
    } else {
        out.push_str(&format!(
            "That was the last hint. A model answer is in {solution}: read it once you have tried.\n"
        ));
    }
    out
}

/// Remembers that the checks' summary showed the first hint (the nudge) of each of `exercises`,
/// so that the next `hint` shows the second.
pub fn nudge_shown<'a>(
    workspace: &Workspace,
    exercises: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    let mut shown = Shown::load(workspace)?;
    for exercise in exercises {
        let seen = shown.of(exercise).max(1);
        shown.set(exercise, seen);
    }
    shown.save()
}

/// Forgets how many hints of `exercise` were shown: back to none.
pub fn forget(workspace: &Workspace, exercise: &Exercise) -> Result<()> {
    let mut shown = Shown::load(workspace)?;
    shown.set(&exercise.name, 0);
    shown.save()
}

/// How many levels of each exercise's hints were shown, by name.
struct Shown {
    file: PathBuf,
    levels: BTreeMap<String, usize>,
}

impl Shown {
    fn load(workspace: &Workspace) -> Result<Shown> {
        let file = workspace.state_dir()?.join("hints.json");
        // A missing or damaged file only means that no hint was asked for yet.
        let levels = fs::read_to_string(&file)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        Ok(Shown { file, levels })
    }

    /// How many levels the learner has seen: none until the checks' summary or `hint` showed one.
    fn of(&self, exercise: &str) -> usize {
        self.levels.get(exercise).copied().unwrap_or(0)
    }

    fn set(&mut self, exercise: &str, levels: usize) {
        self.levels.insert(exercise.to_string(), levels);
    }

    fn save(&self) -> Result<()> {
        let text = serde_json::to_string_pretty(&self.levels)?;
        fs::write(&self.file, text).with_context(|| format!("cannot write {}", self.file.display()))
    }
}

/// The lines of a model answer that a hint repeats: code the learner should write, not read.
/// A line counts if it is code (not a comment), not in the stub already, and long enough to be
/// more than a name (`}` or `.collect()` say nothing).
pub fn answer_lines_in(hint: &str, stub: &str, solution: &str) -> Vec<String> {
    let stub_lines: Vec<&str> = stub.lines().map(str::trim).collect();
    solution
        .lines()
        .map(|line| line.trim().trim_end_matches([';', ',']))
        .filter(|line| line.len() >= 16 && !line.starts_with("//"))
        .filter(|line| !stub_lines.iter().any(|stub_line| stub_line.contains(line)))
        .filter(|line| hint.contains(line))
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_the_parts_between_rules() {
        let text = "A nudge,\non two lines.\n\n---\n\nMore.\n\n---\n\nThe approach.\n";
        assert_eq!(
            levels(text),
            ["A nudge,\non two lines.", "More.", "The approach."]
        );
        assert_eq!(levels("Only one.\n"), ["Only one."]);
    }

    #[test]
    fn each_call_says_one_level_and_what_comes_next() {
        let levels: Vec<String> = ["A nudge.", "An idea.", "The approach."]
            .map(String::from)
            .into();
        let second = say("threading-1", &levels, 2, "solutions/src/threading_1.rs");
        assert!(
            second.starts_with("hint 2 of 3 for threading-1:\n  An idea.\n"),
            "{second}"
        );
        assert!(!second.contains("A nudge."), "only the new level: {second}");
        assert!(second.contains("Hint 3 of 3: run"), "{second}");
        let last = say("threading-1", &levels, 3, "solutions/src/threading_1.rs");
        assert!(
            last.contains("The approach.") && !last.contains("An idea."),
            "{last}"
        );
        assert!(last.contains("That was the last hint"), "{last}");
    }

    #[test]
    fn a_hint_that_repeats_the_answers_code_is_caught() {
        let stub =
            "    Python::attach(interp, name, |py| {\n        fetch_one(client, url)\n    })\n";
        let solution = "    Python::attach(interp, name, |py| {\n        py.detach(|| fetch_one(client, url))\n    })\n";
        // The hint that used to be shipped: the answer's line, verbatim.
        let given_away = "Wrap only the blocking request: `py.detach(|| fetch_one(client, url))`.";
        assert_eq!(
            answer_lines_in(given_away, stub, solution),
            ["py.detach(|| fetch_one(client, url))"]
        );
        let nudge = "Only the request belongs inside the closure you give `py.detach`.";
        assert!(answer_lines_in(nudge, stub, solution).is_empty());
    }
}
