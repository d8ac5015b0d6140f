//! The workspace: which crates are lessons, and the cache key of a lesson's sources.

mod support;

use std::fs;

use mdbook_lesson::Workspace;

#[test]
fn finds_the_workspace_above_the_book() {
    let root = support::fake_workspace("find-root");
    let workspace = Workspace::containing(&root.join("book")).expect("found");
    assert_eq!(workspace.root, root.canonicalize().expect("exists"));
}

#[test]
fn lessons_have_a_main_and_are_not_tooling() {
    let root = support::fake_workspace("lessons");
    let workspace = Workspace::new(&root);
    assert_eq!(workspace.lessons().expect("lists"), ["demo", "other"]);
    assert!(!workspace.is_lesson("helper"));
    assert!(!workspace.is_lesson("nope"));
}

#[test]
fn the_cache_key_follows_the_lesson_its_local_deps_and_the_lockfile() {
    let root = support::fake_workspace("hash");
    let workspace = Workspace::new(&root);
    assert_eq!(
        workspace.crate_and_local_deps("demo"),
        ["demo", "lesson-kit", "helper"]
    );
    let first = workspace.source_hash("demo").expect("hash");
    assert_eq!(
        first,
        workspace.source_hash("demo").expect("hash"),
        "stable"
    );

    let mut seen = vec![first];
    for file in [
        "crates/demo/src/main.rs",
        "crates/helper/src/lib.rs",
        "crates/lesson-kit/src/lib.rs",
        "Cargo.lock",
    ] {
        let path = root.join(file);
        let mut text = fs::read_to_string(&path).expect("read");
        text.push_str("// changed\n");
        fs::write(&path, text).expect("write");
        let hash = workspace.source_hash("demo").expect("hash");
        assert!(!seen.contains(&hash), "changing {file} must change the key");
        seen.push(hash);
    }

    // A crate the lesson does not depend on does not invalidate it.
    support::write(&root.join("crates/other/src/main.rs"), "fn main() { }\n");
    assert_eq!(
        &workspace.source_hash("demo").expect("hash"),
        seen.last().expect("one")
    );
}

/// The root `cargo test` runs only the workspace's default members, which are listed by hand: a
/// lesson missing from the list would have its tests silently skipped.
#[test]
fn every_lesson_of_this_workspace_is_a_default_member() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let workspace = Workspace::new(&root);
    let manifest = fs::read_to_string(root.join("Cargo.toml")).expect("the root Cargo.toml");
    let lessons = workspace.lessons().expect("lists the lessons");
    assert!(lessons.contains(&"threading".to_string()), "{lessons:?}");
    for lesson in lessons {
        assert!(
            manifest
                .lines()
                .any(|line| line.trim() == format!("\"crates/{lesson}\",")),
            "crates/{lesson} is a lesson but not in default-members of the root Cargo.toml: \
             `cargo test` would skip its tests"
        );
    }
}
