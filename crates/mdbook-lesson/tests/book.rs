//! Checks of the book itself: every lesson has a chapter, and the built HTML (`book/book/`, after
//! `mdbook build book`) has no unresolved directive and no broken internal link or #fragment.
//!
//! `.ci/book-check` builds the book and runs these with `BOOK_CHECK=1`, which makes a missing build
//! an error; a plain `cargo test` without a built book checks the sources only.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use mdbook_lesson::Workspace;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files_with_extension(dir: &Path, extension: &str, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_with_extension(&path, extension, found);
        } else if path.extension().is_some_and(|e| e == extension) {
            found.push(path);
        }
    }
}

#[test]
fn every_lesson_crate_has_a_chapter() {
    let root = workspace_root();
    let mut chapters = Vec::new();
    files_with_extension(&root.join("book/src"), "md", &mut chapters);
    let text: String = chapters
        .iter()
        .map(|p| fs::read_to_string(p).unwrap_or_default())
        .collect();
    let lessons = Workspace::new(&root).lessons().expect("crates/ lists");
    let missing: Vec<&String> = lessons
        .iter()
        .filter(|lesson| !text.contains(&format!("{{{{#lesson {lesson} ")))
        .collect();
    assert!(
        missing.is_empty(),
        "lesson crates with no chapter (no `{{{{#lesson <crate> ...}}}}` in book/src): {missing:?}"
    );
}

/// The built pages, or `None` (with a note) when the book has not been built.
fn built_pages() -> Option<Vec<PathBuf>> {
    let out = workspace_root().join("book/book");
    let mut pages = Vec::new();
    files_with_extension(&out, "html", &mut pages);
    if pages.is_empty() {
        assert!(
            std::env::var_os("BOOK_CHECK").is_none(),
            "BOOK_CHECK is set but {} has no HTML: run `mdbook build book` first",
            out.display()
        );
        eprintln!("book/book not built: skipping the HTML checks (run .ci/book-check)");
        return None;
    }
    Some(pages)
}

#[test]
fn no_page_has_an_unresolved_directive() {
    let Some(pages) = built_pages() else { return };
    for page in pages {
        let html = fs::read_to_string(&page).expect("read page");
        if let Some(at) = html.find("{{#") {
            let around: String = html[at..].chars().take(80).collect();
            panic!("{} has an unresolved directive: {around}", page.display());
        }
    }
}

/// Every value of `attribute="..."` in `html`.
fn attribute_values<'a>(html: &'a str, attribute: &str) -> Vec<&'a str> {
    let needle = format!(" {attribute}=\"");
    let mut values = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&needle) {
        rest = &rest[at + needle.len()..];
        if let Some(end) = rest.find('"') {
            values.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    values
}

#[test]
fn every_internal_link_and_fragment_resolves() {
    let Some(pages) = built_pages() else { return };
    let mut ids: HashMap<PathBuf, Vec<String>> = HashMap::new();
    let mut ids_of = |page: &Path| -> Vec<String> {
        ids.entry(page.to_path_buf())
            .or_insert_with(|| {
                let html = fs::read_to_string(page).unwrap_or_default();
                let mut found: Vec<String> = attribute_values(&html, "id")
                    .into_iter()
                    .chain(attribute_values(&html, "name"))
                    .map(str::to_string)
                    .collect();
                found.sort();
                found
            })
            .clone()
    };
    let mut broken = Vec::new();
    for page in &pages {
        let html = fs::read_to_string(page).expect("read page");
        for link in attribute_values(&html, "href")
            .into_iter()
            .chain(attribute_values(&html, "src"))
        {
            let external = ["http:", "https:", "mailto:", "data:", "javascript:", "//"]
                .iter()
                .any(|scheme| link.starts_with(scheme));
            if external || link.is_empty() {
                continue;
            }
            let (path, fragment) = link.split_once('#').unwrap_or((link, ""));
            let path = path.split('?').next().unwrap_or_default();
            let target = if path.is_empty() {
                page.clone()
            } else {
                page.parent().expect("page in a dir").join(path)
            };
            if !target.exists() {
                broken.push(format!("{}: {link} (no such file)", page.display()));
                continue;
            }
            let is_page = target.extension().is_some_and(|e| e == "html");
            if !fragment.is_empty() && is_page && !ids_of(&target).iter().any(|id| id == fragment) {
                broken.push(format!("{}: {link} (no id `{fragment}`)", page.display()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "broken internal links:\n{}",
        broken.join("\n")
    );
}

/// Every key path of a JSON value (`experiments[].runs[].wall_s`), arrays merged.
fn key_paths(
    value: &serde_json::Value,
    prefix: &str,
    out: &mut std::collections::BTreeSet<String>,
) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                let path = format!("{prefix}.{key}");
                out.insert(path.clone());
                key_paths(inner, &path, out);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                key_paths(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

/// The parts of a report whose shape every lesson shares: the report, its outcomes, their runs and
/// claims. (Figures' own columns and traces differ by experiment, as they should.)
fn shared_schema(report: &serde_json::Value) -> std::collections::BTreeSet<String> {
    let mut paths = std::collections::BTreeSet::new();
    key_paths(report, "", &mut paths);
    paths
        .into_iter()
        .filter(|p| {
            !p.contains(".trace")
                && !p.contains(".figures[]")
                && !p.contains(".machine.cpu")
                && !p.contains(".speedup.")
        })
        .collect()
}

#[test]
fn every_lesson_prints_the_same_report_schema() {
    // The book build runs every lesson with `--json` and keeps each report here.
    let cache = workspace_root().join("target/book-cache");
    let mut tours = Vec::new();
    files_with_extension(&cache, "json", &mut tours);
    tours.retain(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().contains("-all-"))
    });
    if tours.len() < 2 {
        assert!(
            std::env::var_os("BOOK_CHECK").is_none(),
            "BOOK_CHECK is set but {} has fewer than two lessons' tours",
            cache.display()
        );
        return;
    }
    let schemas: Vec<(String, std::collections::BTreeSet<String>)> = tours
        .iter()
        .map(|path| {
            let text = fs::read_to_string(path).expect("read cached report");
            let json: serde_json::Value = serde_json::from_str(&text).expect("a report is JSON");
            (path.display().to_string(), shared_schema(&json))
        })
        .collect();
    let (first, expected) = &schemas[0];
    for must in [
        ".experiments[].runs[].wall_s",
        ".experiments[].runs[].wall_min_s",
        ".experiments[].runs[].wall_max_s",
        ".experiments[].runs[].samples",
        ".experiments[].claims[].source",
        ".experiments[].claims[].verdict",
        ".busy",
    ] {
        assert!(expected.contains(must), "{first} has no {must}");
    }
    for (path, schema) in &schemas[1..] {
        let missing: Vec<_> = expected.symmetric_difference(schema).collect();
        assert!(
            missing.is_empty(),
            "{first} and {path} differ in shape: {missing:?}"
        );
    }
}

/// The longest line an included listing may have once dedented: 80 characters fit the book's
/// text column in a 1280-px window without a sideways scroll (the browser check measures it).
const LISTING_WIDTH: usize = 80;

/// The lines between `ANCHOR: name` and `ANCHOR_END: name`, other anchor lines left out, as
/// mdBook's `{{#include file:name}}` takes them; each with its line number.
fn anchored_lines<'a>(source: &'a str, name: &str) -> Vec<(usize, &'a str)> {
    let mut inside = false;
    let mut lines = Vec::new();
    for (number, line) in source.lines().enumerate() {
        let marker = |word: &str| {
            line.split(word).nth(1).map(|rest| {
                rest.trim_start()
                    .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                    .next()
                    == Some(name)
            })
        };
        if inside {
            if marker("ANCHOR_END:") == Some(true) {
                break;
            }
            if !line.contains("ANCHOR:") && !line.contains("ANCHOR_END:") {
                lines.push((number + 1, line));
            }
        } else if marker("ANCHOR:") == Some(true) {
            inside = true;
        }
    }
    lines
}

#[test]
fn every_included_listing_fits_the_column_once_dedented() {
    let root = workspace_root();
    let src = root.join("book/src");
    let mut chapters = Vec::new();
    files_with_extension(&src, "md", &mut chapters);
    let mut too_long = Vec::new();
    for chapter in chapters {
        let text = fs::read_to_string(&chapter).expect("read chapter");
        for include in text.split("{{#include ").skip(1) {
            let Some(target) = include.split("}}").next() else {
                continue;
            };
            let Some((path, anchor)) = target.trim().rsplit_once(':') else {
                continue; // a whole file (the exercises' hints): prose, not a listing
            };
            let file = chapter.parent().expect("chapter dir").join(path);
            let source = fs::read_to_string(&file).unwrap_or_default();
            let lines = anchored_lines(&source, anchor);
            let margin = lines
                .iter()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(_, l)| l.len() - l.trim_start().len())
                .min()
                .unwrap_or(0);
            for (number, line) in lines {
                let width = line.chars().count().saturating_sub(margin);
                if width > LISTING_WIDTH {
                    let shown = path.trim_start_matches("../../");
                    too_long.push(format!(
                        "{shown}:{number} ({width} chars, anchor `{anchor}`)"
                    ));
                }
            }
        }
    }
    too_long.sort();
    too_long.dedup();
    assert!(
        too_long.is_empty(),
        "lines of included listings wider than {LISTING_WIDTH} characters once dedented (the book \
         shows them behind a sideways scroll); shorten them, or move a long comment above its line:\n{}",
        too_long.join("\n")
    );
}
