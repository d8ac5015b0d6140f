//! Watch mode: check every exercise once, then re-check each exercise whenever its file is saved,
//! and show the progress after each check. An exercise that does not compile is named with its
//! errors and the others keep their status; nothing that goes wrong while checking stops the watch.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use anyhow::Result;
use notify_debouncer_mini::{new_debouncer, notify::RecursiveMode};

use crate::checks::{self, Summary};
use crate::compile;
use crate::workspace::{Exercise, Workspace};

/// Whether each exercise is solved, by name, in the list's order.
type Progress = Vec<(String, bool)>;

pub fn watch(workspace: &Workspace) -> Result<()> {
    let mut progress: Progress = workspace
        .exercises
        .iter()
        .map(|e| (e.name.clone(), false))
        .collect();
    check_and_record(workspace, None, &mut progress);
    print_progress(&progress);

    let (events, changes) = mpsc::channel();
    // Debounced: an editor's save is often several file events; check once per save.
    let mut debouncer = new_debouncer(Duration::from_millis(300), events)?;
    let src = workspace.path("exercises/src");
    debouncer
        .watcher()
        .watch(&src, RecursiveMode::NonRecursive)?;
    println!(
        "watching {}: save an exercise to check it (Ctrl-C to stop)",
        src.display()
    );

    // The watcher also reports files being read (cargo and rustc read every exercise when they
    // build), so an event alone does not mean a save: a changed modification time does.
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let mut last_saved: BTreeMap<String, Option<SystemTime>> = workspace
        .exercises
        .iter()
        .map(|e| (e.name.clone(), modified(&workspace.path(&e.stub()))))
        .collect();

    for batch in changes {
        let Ok(batch) = batch else { continue };
        for event in batch {
            let Some(exercise) = workspace
                .exercises
                .iter()
                .find(|e| event.path.ends_with(e.stub()))
            else {
                continue;
            };
            let saved_at = modified(&event.path);
            if last_saved.insert(exercise.name.clone(), saved_at) == Some(saved_at) {
                continue;
            }
            println!("\n──── {} ────", exercise.name);
            check_and_record(workspace, Some(exercise), &mut progress);
            print_progress(&progress);
        }
    }
    Ok(())
}

/// Builds and checks `only` (every exercise with `None`), prints what the learner needs, and
/// records who is solved. Errors are printed, not returned: the watch goes on.
fn check_and_record(workspace: &Workspace, only: Option<&Exercise>, progress: &mut Progress) {
    let built = match compile::build_checks(workspace, "exercises") {
        Ok(built) => built,
        Err(error) => {
            println!("{error:#}\nStill watching: save a file to try again.");
            return;
        }
    };
    match only {
        // At the start: the first error of each, as `list` shows them.
        None => crate::print_broken(&built),
        Some(exercise) => {
            if let Some(broken) = built.broken.iter().find(|b| b.exercise == exercise.name) {
                for error in &broken.errors {
                    println!("{error}\n");
                }
                println!(
                    "✗ {} does not compile yet: fix the errors above",
                    broken.exercise
                );
            }
        }
    }
    for broken in &built.broken {
        set(progress, &broken.exercise, false);
    }
    if only.is_some_and(|e| built.broken.iter().any(|b| b.exercise == e.name)) {
        return;
    }
    match checks::run(workspace, &built, only, Summary::Show) {
        Ok(outcomes) => {
            for exercise in &workspace.exercises {
                if outcomes.iter().any(|o| o.exercise == exercise.name) {
                    set(
                        progress,
                        &exercise.name,
                        checks::is_solved(&outcomes, &exercise.name),
                    );
                }
            }
        }
        Err(error) => println!("{error:#}"),
    }
}

fn set(progress: &mut Progress, exercise: &str, solved: bool) {
    if let Some(entry) = progress.iter_mut().find(|(name, _)| name == exercise) {
        entry.1 = solved;
    }
}

fn print_progress(progress: &Progress) {
    let done = progress.iter().filter(|(_, solved)| *solved).count();
    let marks: Vec<String> = progress
        .iter()
        .map(|(name, solved)| format!("{} {name}", if *solved { "✓" } else { "·" }))
        .collect();
    println!(
        "progress: solved {done} of {}   {}",
        progress.len(),
        marks.join("  ")
    );
}
