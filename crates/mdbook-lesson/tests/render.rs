//! What a fixed Report looks like on the page.

mod support;

use mdbook_lesson::render;

#[test]
fn measured_experiment_renders_command_table_findings_and_machine() {
    let report = support::fixed_report();
    let experiment = report.experiment("waiting").expect("fixture has it");
    insta::assert_snapshot!(render::experiment(&report, experiment));
}

#[test]
fn modelled_experiment_inlines_the_svg_and_says_it_is_a_model() {
    let report = support::fixed_report();
    let experiment = report.experiment("model").expect("fixture has it");
    let page = render::experiment(&report, experiment);
    assert!(
        page.contains("<div class=\"lesson-timeline\">\n<svg"),
        "{page}"
    );
    assert!(page.contains("deterministic model"), "{page}");
    // The SVG must stay one HTML block: Markdown ends an HTML block at a blank line.
    let svg = &page[page.find("<svg").expect("svg")..page.find("</svg>").expect("end")];
    assert!(!svg.contains("\n\n"));
}

#[test]
fn claims_of_several_lessons_come_under_headings_linking_their_chapters() {
    let threading = support::fixed_report();
    let mut gil = support::fixed_report();
    gil.lesson = "gil-sim".into();
    gil.title = "gil-sim: fixed fixture".into();
    let page = render::claims(&[(threading, Some("threading.md".to_string())), (gil, None)]);
    insta::assert_snapshot!(page);
}

#[test]
fn one_lesson_s_claims_need_no_heading() {
    let page = render::claims(&[(support::fixed_report(), None)]);
    assert!(!page.contains("###"), "{page}");
    assert!(
        page.contains("| verdict | claim | measured here |"),
        "{page}"
    );
}

#[test]
fn a_busy_experiment_carries_the_warning_and_its_unclear_verdicts() {
    let report = support::fixed_report();
    let busy = report.experiments[0]
        .clone()
        .on_busy_machine("the load average was 3.9 on 2 cores");
    let page = render::experiment(&report, &busy);
    assert!(page.contains("This machine was busy"), "{page}");
    assert!(page.contains("3.9 on 2 cores"), "{page}");
}

#[test]
fn a_busy_row_says_so_briefly_and_the_note_under_the_table_says_why() {
    let mut report = support::fixed_report();
    let mut busy = report.experiments[0].clone();
    busy.claims[0].timed = true;
    report.experiments[0] = busy.on_busy_machine("the load average was 3.9 on 2 cores");
    let page = render::claims(&[(report, None)]);
    assert!(page.contains("*Unclear: the machine was busy*"), "{page}");
    assert_eq!(page.matches("3.9 on 2 cores").count(), 1, "{page}");
}
