//! Finding and parsing the directives in a chapter.

use mdbook_lesson::directive::{Directive, find_directives, parse};

#[test]
fn finds_lesson_and_claims_and_leaves_mdbook_directives_alone() {
    let chapter = "# T\n{{#include ../x.rs:a}}\n\n{{#lesson threading waiting}}\ntext {{#claims gil-sim threading}}\n";
    let found = find_directives(chapter).expect("parses");
    let directives: Vec<&Directive> = found.iter().map(|f| &f.directive).collect();
    assert_eq!(
        directives,
        [
            &Directive::Lesson {
                lesson: "threading".into(),
                experiment: "waiting".into()
            },
            &Directive::Claims {
                lessons: vec!["gil-sim".into(), "threading".into()]
            },
        ]
    );
    assert_eq!(
        &chapter[found[0].start..found[0].end],
        "{{#lesson threading waiting}}"
    );
}

#[test]
fn extra_whitespace_is_allowed() {
    assert_eq!(
        parse(" lesson  gil-sim   convoy ").expect("parses"),
        Some(Directive::Lesson {
            lesson: "gil-sim".into(),
            experiment: "convoy".into()
        })
    );
}

#[test]
fn a_lesson_directive_with_the_wrong_number_of_words_is_an_error() {
    let error = find_directives("{{#lesson threading}}").expect_err("one word is not enough");
    assert!(
        error
            .to_string()
            .contains("expected `{{#lesson <crate> <experiment-id>}}`"),
        "{error}"
    );
    assert!(find_directives("{{#lesson a b c}}").is_err());
}

#[test]
fn a_bare_claims_directive_means_every_lesson() {
    assert_eq!(
        parse("claims").expect("parses"),
        Some(Directive::Claims { lessons: vec![] })
    );
}

#[test]
fn other_directives_are_not_ours() {
    assert_eq!(parse("include file.rs").expect("parses"), None);
    assert_eq!(parse("lessons a b").expect("parses"), None);
}

#[test]
fn a_sliders_directive_names_a_crate_and_its_child_command() {
    assert_eq!(
        parse("sliders gil-sim model-figure").expect("parses"),
        Some(Directive::Sliders {
            lesson: "gil-sim".into(),
            command: "model-figure".into()
        })
    );
    let error = find_directives("{{#sliders gil-sim}}").expect_err("one word is not enough");
    assert!(
        error
            .to_string()
            .contains("expected `{{#sliders <crate> <child-command>}}`"),
        "{error}"
    );
}

#[test]
fn a_compare_directive_takes_no_arguments() {
    assert_eq!(parse("compare").expect("parses"), Some(Directive::Compare));
    let error = find_directives("{{#compare threading}}").expect_err("it compares every lesson");
    assert!(error.to_string().contains("takes no arguments"), "{error}");
}

#[test]
fn side_by_side_names_a_lesson_and_an_experiment() {
    assert_eq!(
        parse("side-by-side coroutines how-many").expect("parses"),
        Some(Directive::SideBySide {
            lesson: "coroutines".into(),
            experiment: "how-many".into()
        })
    );
    let error = parse("side-by-side threading").expect_err("one word is not enough");
    assert!(
        error
            .to_string()
            .contains("{{#side-by-side <crate> <experiment-id>}}"),
        "{error}"
    );
}
