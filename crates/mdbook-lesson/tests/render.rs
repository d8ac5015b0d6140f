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

fn two_setting_figure() -> lesson_kit::sliders::SliderFigure {
    use lesson_kit::sliders::{Slider, SliderFigure};
    let slider = Slider {
        label: "threads".into(),
        choices: vec!["1".into(), "2".into()],
    };
    let labels = vec!["speedup".into(), "a <b> & \"c\"".into()];
    let mut figure = SliderFigure::new("The model", vec![slider], labels, vec![1]);
    figure.add(
        vec![0],
        "<svg>\n\n<rect/></svg>".into(),
        vec!["1.00×".into(), "x".into()],
    );
    figure.add(
        vec![1],
        "<svg><g/></svg>".into(),
        vec!["1.90×".into(), "y".into()],
    );
    figure
}

#[test]
fn sliders_show_the_initial_setting_and_carry_every_setting_as_json() {
    let page = render::sliders(&two_setting_figure(), "gil-sim-model-figure");
    assert!(
        page.contains("id=\"sliders-gil-sim-model-figure\""),
        "{page}"
    );
    assert!(
        page.contains("max=\"1\" step=\"1\" value=\"1\" data-slider=\"0\"> <output>2</output>"),
        "{page}"
    );
    // The initial setting is on the page without JavaScript: its picture and its figures.
    assert!(page.contains("<svg><g/></svg>"), "{page}");
    assert!(page.contains("<td>1.90×</td>"), "{page}");
    assert!(
        page.contains("<th>a &lt;b&gt; &amp; &quot;c&quot;</th>"),
        "{page}"
    );
    // The JSON inside <script> never closes an element early, and parses.
    let start = page.find("lesson-sliders-data\">").expect("data") + "lesson-sliders-data\">".len();
    let json = &page[start..page.rfind("</script>").expect("end")];
    assert!(!json.contains("</"), "{json}");
    let back: lesson_kit::sliders::SliderFigure =
        serde_json::from_str(json).expect("the figure's JSON");
    assert_eq!(back, two_setting_figure());
    // One HTML block: Markdown ends it at the first blank line.
    assert!(!page.trim_end().contains("\n\n"), "{page}");
}
