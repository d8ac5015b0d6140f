//! What must hold between the list of exercises and the files, checked without building anything:
//! each listed exercise has its four files, no exercise file is left out of the list, each hints
//! file has a nudge and more, gives away no line of the answer, and is shown in the book.
//! `meta` reports these with its own findings; this crate's tests fail on them too.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use crate::hints;
use crate::workspace::Workspace;

/// Every problem found, as a sentence saying what to fix; empty when all is well.
pub fn problems(workspace: &Workspace) -> Vec<String> {
    let mut problems = Vec::new();
    let book = book_text(&workspace.path("book/src"));
    for exercise in &workspace.exercises {
        let files = [
            exercise.stub(),
            exercise.solution(),
            exercise.checks(),
            exercise.hints(),
        ];
        for file in &files {
            if !workspace.path(file).is_file() {
                problems.push(format!("{}: {file} is missing", exercise.name));
            }
        }
        let read = |file: &str| fs::read_to_string(workspace.path(file)).unwrap_or_default();
        let hint_text = read(&exercise.hints());
        let levels = hints::levels(&hint_text).len();
        if levels < 2 {
            problems.push(format!(
                "{}: {} has {levels} hint(s): give a nudge and at least one more, separated by \
                 a line `---`",
                exercise.name,
                exercise.hints()
            ));
        }
        for line in hints::answer_lines_in(
            &hint_text,
            &read(&exercise.stub()),
            &read(&exercise.solution()),
        ) {
            problems.push(format!(
                "{}: {} gives away the answer's code `{line}`: describe the approach instead",
                exercise.name,
                exercise.hints()
            ));
        }
        let include = format!("{{{{#include ../../{}}}}}", exercise.hints());
        if !book.contains(&include) {
            problems.push(format!(
                "{}: no chapter in book/src shows its hints: add `{include}` under the exercise in \
                 the {} chapter",
                exercise.name,
                exercise.lesson()
            ));
        }
    }
    let listed: BTreeSet<String> = workspace.exercises.iter().map(|e| e.module()).collect();
    let shared = ["lib", "harness", "outcome"];
    for dir in [
        "exercises/src",
        "solutions/src",
        "exercises/checks",
        "exercises/hints",
    ] {
        for stem in file_stems(&workspace.path(dir)) {
            if !listed.contains(&stem) && !shared.contains(&stem.as_str()) {
                problems.push(format!(
                    "{dir}/{stem}: not an exercise of {}: add `{}` to the list, or remove the file",
                    crate::workspace::REGISTRY,
                    stem.replace('_', "-")
                ));
            }
        }
    }
    problems
}

/// Every chapter's text, joined: where the hints' `{{#include}}`s are looked for.
fn book_text(dir: &Path) -> String {
    let mut text = String::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.path().extension().is_some_and(|e| e == "md") {
            text.push_str(&fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    text
}

fn file_stems(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.path().is_file())
        .filter_map(|entry| Some(entry.path().file_stem()?.to_str()?.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_workspaces_exercises_are_complete_listed_and_in_the_book() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let workspace = Workspace::containing(here).expect("the runner lives in the workspace");
        let problems = problems(&workspace);
        assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    }

    #[test]
    fn a_file_left_out_of_the_list_and_a_missing_one_are_named() {
        let root =
            std::env::temp_dir().join(format!("exercise-check-consistency-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        for dir in [
            "exercises/src",
            "exercises/checks",
            "exercises/hints",
            "solutions/src",
            "book/src",
        ] {
            fs::create_dir_all(root.join(dir)).expect("create");
        }
        fs::write(root.join("Cargo.toml"), "[workspace]\n").expect("write");
        fs::write(root.join("exercises/registry.txt"), "threading-1\n").expect("write");
        fs::write(root.join("exercises/src/threading_1.rs"), "").expect("write");
        fs::write(root.join("exercises/src/threading_9.rs"), "").expect("write");
        let workspace = Workspace::at(&root).expect("a workspace");
        let problems = problems(&workspace).join("\n");
        assert!(
            problems.contains("solutions/src/threading_1.rs is missing"),
            "{problems}"
        );
        assert!(problems.contains("has 0 hint(s)"), "{problems}");
        assert!(
            problems.contains("no chapter in book/src shows its hints"),
            "{problems}"
        );
        assert!(
            problems.contains("exercises/src/threading_9: not an exercise"),
            "{problems}"
        );
        fs::remove_dir_all(&root).ok();
    }
}
