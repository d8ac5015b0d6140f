//! The workspace the book lives in: where it is, which lessons it has, and a hash of a lesson's
//! sources that says whether a cached result is still current.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

/// Crates with a `src/main.rs` that are tools, not lessons: they need no chapter.
pub const TOOLING: [&str; 3] = ["lesson-kit", "mdbook-lesson", "exercise-check"];

/// The Cargo workspace the book belongs to.
#[derive(Clone, Debug)]
pub struct Workspace {
    pub root: PathBuf,
}

impl Workspace {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Workspace { root: root.into() }
    }

    /// The workspace that holds the book at `book_root`: the nearest directory at or above it whose
    /// `Cargo.toml` has a `[workspace]` table (for this repository, the book's parent).
    pub fn containing(book_root: &Path) -> Result<Self> {
        let start = book_root
            .canonicalize()
            .with_context(|| format!("the book root {} does not exist", book_root.display()))?;
        for dir in start.ancestors() {
            let manifest = dir.join("Cargo.toml");
            if let Ok(text) = fs::read_to_string(&manifest)
                && text.lines().any(|line| line.trim() == "[workspace]")
            {
                return Ok(Workspace::new(dir));
            }
        }
        bail!(
            "no Cargo workspace at or above the book root {}: the book must live inside the workspace",
            start.display()
        )
    }

    pub fn crate_dir(&self, name: &str) -> PathBuf {
        self.root.join("crates").join(name)
    }

    /// Whether `crates/<name>` is a lesson: it has a `src/main.rs` (the tour) and is not tooling.
    pub fn is_lesson(&self, name: &str) -> bool {
        !TOOLING.contains(&name) && self.crate_dir(name).join("src/main.rs").is_file()
    }

    /// Every lesson crate in `crates/`, sorted by name.
    pub fn lessons(&self) -> Result<Vec<String>> {
        let dir = self.root.join("crates");
        let mut lessons = Vec::new();
        for entry in fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if self.is_lesson(&name) {
                lessons.push(name);
            }
        }
        lessons.sort();
        Ok(lessons)
    }

    /// The workspace crates `name` depends on, itself first, then its path dependencies in
    /// `crates/` (transitively): for `threading`, `threading`, `lesson-kit` and `gil-sim`.
    pub fn crate_and_local_deps(&self, name: &str) -> Vec<String> {
        let mut seen = vec![name.to_string()];
        let mut next = 0;
        while next < seen.len() {
            let manifest = self.crate_dir(&seen[next]).join("Cargo.toml");
            next += 1;
            let Ok(text) = fs::read_to_string(manifest) else {
                continue;
            };
            for dep in dependency_names(&text) {
                if !seen.contains(&dep) && self.crate_dir(&dep).join("Cargo.toml").is_file() {
                    seen.push(dep);
                }
            }
        }
        seen
    }

    /// SHA-256 (hex, first 16 digits) of everything that decides what `lesson` prints: the files of
    /// the crate and of the workspace crates it depends on, the root `Cargo.toml` (profiles change
    /// the figures) and `Cargo.lock`. A stale cache entry simply stops matching.
    ///
    /// Why a real hash: `std::hash::DefaultHasher` is not stable across Rust versions, and a
    /// modification-time check would miss a `git checkout` that restores old times.
    pub fn source_hash(&self, lesson: &str) -> Result<String> {
        let mut files = Vec::new();
        for name in self.crate_and_local_deps(lesson) {
            collect_files(&self.crate_dir(&name), &mut files)?;
        }
        files.push(self.root.join("Cargo.toml"));
        files.push(self.root.join("Cargo.lock"));
        files.sort();
        let mut hasher = Sha256::new();
        for file in files {
            let Ok(bytes) = fs::read(&file) else {
                continue; // no Cargo.lock yet: nothing to hash
            };
            let relative = file.strip_prefix(&self.root).unwrap_or(&file);
            hasher.update(relative.to_string_lossy().as_bytes());
            hasher.update([0]);
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
        }
        let digest = hasher.finalize();
        Ok(digest.iter().take(8).map(|b| format!("{b:02x}")).collect())
    }
}

/// The keys of a manifest's `[dependencies]` table (`name.workspace = true`, `name = {...}`).
/// A line scan rather than a TOML parser: manifests here are written one dependency per line.
fn dependency_names(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_dependencies = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
            continue;
        }
        if !in_dependencies || line.starts_with('#') {
            continue;
        }
        let key = line
            .split(['=', '.'])
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches('"');
        if !key.is_empty() {
            names.push(key.to_string());
        }
    }
    names
}

/// Every file under `dir`, skipping hidden entries and build output.
fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let entries = fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" || name == "__pycache__" {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependency_names_reads_only_the_dependencies_table() {
        let manifest = "[package]\nname = \"x\"\n\n[dependencies]\nlesson-kit.workspace = true\n\
                        gil-sim = { path = \"../gil-sim\" }\n# comment\n\n[dev-dependencies]\ninsta.workspace = true\n";
        assert_eq!(dependency_names(manifest), ["lesson-kit", "gil-sim"]);
    }
}
