//! The list of exercises (`exercises/registry.txt`) and where each exercise's files are.
//!
//! Shared, through `#[path]`, by the build script of `exercises` and `solutions` and by the exercise
//! runner: the one place that knows the list's format and the files' layout. It uses only the
//! standard library, because a build script cannot share the crates of the code it builds.

/// Where the list is, relative to the workspace's root.
pub const REGISTRY: &str = "exercises/registry.txt";

/// One exercise: a line of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exercise {
    /// What the learner types and reads, `LESSON-NUMBER`: `threading-1`.
    pub name: String,
}

impl Exercise {
    /// `threading_1`: the exercise's Rust module, and the stem of each of its files.
    pub fn module(&self) -> String {
        self.name.replace('-', "_")
    }

    /// The crate of the lesson it belongs to: the name without its number (`threading`).
    pub fn lesson(&self) -> &str {
        self.name
            .rsplit_once('-')
            .map_or(self.name.as_str(), |(lesson, _)| lesson)
    }

    /// The learner's file, relative to the workspace's root.
    pub fn stub(&self) -> String {
        format!("exercises/src/{}.rs", self.module())
    }

    /// The model answer.
    pub fn solution(&self) -> String {
        format!("solutions/src/{}.rs", self.module())
    }

    /// The checks, shared by the stub and the model answer.
    pub fn checks(&self) -> String {
        format!("exercises/checks/{}.rs", self.module())
    }

    /// The hints, one level per part, parts separated by a line `---`.
    pub fn hints(&self) -> String {
        format!("exercises/hints/{}.md", self.module())
    }
}

/// Reads the list: one name per line; blank lines and lines starting with `#` are ignored.
pub fn parse(text: &str) -> Result<Vec<Exercise>, String> {
    let mut exercises: Vec<Exercise> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let name = line.trim();
        if name.is_empty() || name.starts_with('#') {
            continue;
        }
        let number = name.rsplit_once('-').map(|(_, number)| number);
        let well_formed = name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && number.is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if !well_formed {
            return Err(format!(
                "{REGISTRY}:{}: `{name}` is not an exercise name: write LESSON-NUMBER, e.g. \
                 `threading-4` (lowercase letters, digits and `-`)",
                index + 1
            ));
        }
        if exercises.iter().any(|known| known.name == name) {
            return Err(format!(
                "{REGISTRY}:{}: `{name}` is listed twice",
                index + 1
            ));
        }
        exercises.push(Exercise {
            name: name.to_string(),
        });
    }
    Ok(exercises)
}
