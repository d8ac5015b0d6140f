//! The workspace the runner works on, found at run time from the current directory, as cargo finds
//! it: the nearest directory above with a `Cargo.toml` that has a `[workspace]` table. Not the one
//! the runner was built in: with a `CARGO_TARGET_DIR` shared by two clones, one binary serves both.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

#[path = "../../../exercises/registry.rs"]
mod registry;

pub use registry::{Exercise, REGISTRY};

/// A clone of the course: its root and its list of exercises.
pub struct Workspace {
    /// The directory of the root `Cargo.toml`.
    pub root: PathBuf,
    /// Every exercise, in the order of `exercises/registry.txt`.
    pub exercises: Vec<Exercise>,
}

impl Workspace {
    /// The workspace around the current directory.
    pub fn find() -> Result<Workspace> {
        let here = std::env::current_dir().context("cannot read the current directory")?;
        Workspace::containing(&here)
    }

    /// The workspace around `start`: `start` itself or the nearest directory above it.
    pub fn containing(start: &Path) -> Result<Workspace> {
        match start.ancestors().find(|dir| is_workspace_root(dir)) {
            Some(root) => Workspace::at(root),
            None => bail!(
                "{} is not inside a Cargo workspace: run this from the course's directory (the \
                 one with README.md and Cargo.toml) or below it",
                start.display()
            ),
        }
    }

    /// The workspace whose root is `root`.
    pub fn at(root: &Path) -> Result<Workspace> {
        let list = root.join(REGISTRY);
        let text = fs::read_to_string(&list).with_context(|| {
            format!(
                "{} is a Cargo workspace but not this course's: it has no {REGISTRY}",
                root.display()
            )
        })?;
        let exercises = registry::parse(&text).map_err(anyhow::Error::msg)?;
        Ok(Workspace {
            root: root.to_path_buf(),
            exercises,
        })
    }

    /// The exercise called `name` (`threading-1`; `threading_1` is accepted too).
    pub fn exercise(&self, name: &str) -> Result<&Exercise> {
        let wanted = name.replace('_', "-");
        match self.exercises.iter().find(|e| e.name == wanted) {
            Some(exercise) => Ok(exercise),
            None => bail!(
                "there is no exercise `{name}`; the exercises are: {}",
                self.names()
            ),
        }
    }

    /// Every exercise's name, comma-separated.
    pub fn names(&self) -> String {
        let names: Vec<&str> = self.exercises.iter().map(|e| e.name.as_str()).collect();
        names.join(", ")
    }

    /// A path relative to the root, made absolute.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// The runner's own files (hint levels, reports, backups), under `target/`, which git ignores
    /// and `cargo clean` empties.
    pub fn state_dir(&self) -> Result<PathBuf> {
        let dir = self.root.join("target/exercise-check");
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(dir)
    }
}

/// Whether `dir` has a `Cargo.toml` with a `[workspace]` table.
fn is_workspace_root(dir: &Path) -> bool {
    fs::read_to_string(dir.join("Cargo.toml"))
        .is_ok_and(|manifest| manifest.lines().any(|line| line.trim() == "[workspace]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("exercise-check-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("exercises/src")).expect("create a scratch workspace");
        dir
    }

    #[test]
    fn finds_the_workspace_above_the_current_directory() {
        let root = scratch("find");
        fs::write(root.join("Cargo.toml"), "[workspace]\nmembers = []\n").expect("write");
        fs::write(root.join(REGISTRY), "# a comment\n\nthreading-1\n").expect("write");
        // A member's own Cargo.toml, between the start and the root, is not the workspace.
        fs::write(
            root.join("exercises/Cargo.toml"),
            "[package]\nname = \"x\"\n",
        )
        .expect("write");

        let found = Workspace::containing(&root.join("exercises/src")).expect("found");
        assert_eq!(found.root, root);
        assert_eq!(found.names(), "threading-1");
        assert_eq!(
            found.exercise("threading_1").expect("known").module(),
            "threading_1"
        );
        let unknown = found
            .exercise("threading-9")
            .expect_err("unknown")
            .to_string();
        assert!(unknown.contains("threading-1"), "{unknown}");
        fs::remove_dir_all(&root).ok();
    }

    #[test]
    fn says_what_to_do_outside_a_workspace_or_in_another_one() {
        let root = scratch("outside");
        let error = Workspace::containing(&root.join("exercises"))
            .err()
            .map(|e| e.to_string());
        // The temporary directory is not inside a workspace on any sane machine.
        if let Some(error) = error {
            assert!(error.contains("course's directory"), "{error}");
        }
        fs::write(root.join("Cargo.toml"), "[workspace]\n").expect("write");
        let error = Workspace::containing(&root)
            .err()
            .expect("no registry")
            .to_string();
        assert!(error.contains("not this course's"), "{error}");
        fs::remove_dir_all(&root).ok();
    }

    #[test]
    fn this_workspace_lists_its_exercises() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let workspace = Workspace::containing(here).expect("the runner lives in the workspace");
        assert!(
            workspace.exercise("threading-1").is_ok(),
            "{}",
            workspace.names()
        );
        assert_eq!(
            workspace.exercise("gil-sim-2").expect("known").lesson(),
            "gil-sim"
        );
    }
}
